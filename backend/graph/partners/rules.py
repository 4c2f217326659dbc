"""Admins manage partners, their keys and the staff; nobody else sees a key, and a plaintext only once."""

from backend.graph.core.rules import ADMIN, ALLOW, DENY, OWN_INSTITUTION, STAFF_ONLY

ADMINS_ONLY = (DENY, DENY, ADMIN, DENY)

#                                       household               partner  staff          anonymous
ROWS = {
    "Query.institutions":               ADMINS_ONLY,
    "Query.staffUsers":                 ADMINS_ONLY,
    "Mutation.registerPartner":         ADMINS_ONLY,
    "Mutation.issueApiKey":             ADMINS_ONLY,
    "Mutation.rotateApiKey":            ADMINS_ONLY,
    "Mutation.revokeApiKey":            ADMINS_ONLY,
    "Mutation.disablePartner":          ADMINS_ONLY,
    "Mutation.enablePartner":           ADMINS_ONLY,
    "Mutation.setInstitutionCode":      ADMINS_ONLY,
    "Mutation.addStaffUser":            ADMINS_ONLY,
    "Mutation.setStaffRole":            ADMINS_ONLY,
    "Mutation.disableStaffUser":        ADMINS_ONLY,
    "Mutation.enableStaffUser":         ADMINS_ONLY,

    "Institution.disabledAt":           STAFF_ONLY,
    "Institution.institutionCode":      (DENY, OWN_INSTITUTION, ALLOW, DENY),
    "Institution.apiKeys":              ADMINS_ONLY,

    "ApiKey.id":                        ADMINS_ONLY,
    "ApiKey.prefix":                    ADMINS_ONLY,
    "ApiKey.createdAt":                 ADMINS_ONLY,
    "ApiKey.expiresAt":                 ADMINS_ONLY,
    "ApiKey.revokedAt":                 ADMINS_ONLY,
    "ApiKey.live":                      ADMINS_ONLY,

    "IssuedApiKey.key":                 ADMINS_ONLY,
    "IssuedApiKey.plaintext":           ADMINS_ONLY,
}
