"""Who reads the audit log and sets a region's caps."""

from backend.graph.core.rules import ADMIN, AUDITED, AUDITOR, DENY, STAFF_ONLY

#                                       household               partner  staff          anonymous
ROWS = {
    "Query.auditEvents":                (DENY,                   DENY,    AUDITOR,       DENY),
    "Query.policyLimits":               STAFF_ONLY,
    "Mutation.setPolicyLimit":          (DENY,                   DENY,    ADMIN,         DENY),

    "AuditEvent.at":                    STAFF_ONLY,
    "AuditEvent.actorKind":             STAFF_ONLY,
    "AuditEvent.actorId":               STAFF_ONLY,
    "AuditEvent.actingAs":              STAFF_ONLY,
    "AuditEvent.action":                STAFF_ONLY,
    "AuditEvent.channel":               STAFF_ONLY,
    "AuditEvent.subject":               (DENY,                   DENY,    AUDITED,       DENY),
    "AuditEvent.detail":                (DENY,                   DENY,    AUDITED,       DENY),

    "PolicyLimit.name":                 STAFF_ONLY,
    "PolicyLimit.regionPrefix":         STAFF_ONLY,
    "PolicyLimit.value":                STAFF_ONLY,
}
