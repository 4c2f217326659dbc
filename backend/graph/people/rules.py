"""Who sees a person's own fields, their insurance and account, institutions and staff users."""

from backend.graph.core.rules import (
    ALLOW,
    AUDITED,
    DENY,
    ID_SELF_FAMILY_MASKED,
    NAMED,
    OWN_INSTITUTION,
    PERSON_DATA,
    PHONE_SELF_FAMILY_MASKED,
    SELF_OR_ACCOUNT_HOLDER,
    SELF_OR_INSURANCE_HOLDER,
    STAFF_ONLY,
)

INSTITUTION_DATA = (ALLOW, OWN_INSTITUTION, ALLOW, DENY)

#                                       household               partner  staff          anonymous
ROWS = {
    "Query.viewer":                     (ALLOW,                  ALLOW,   ALLOW,         ALLOW),
    "Query.people":                     STAFF_ONLY,

    "Person.id":                        (NAMED,                  DENY,    AUDITED,       DENY),
    "Person.name":                      (NAMED,                  DENY,    AUDITED,       DENY),
    "Person.idNumber":                  (ID_SELF_FAMILY_MASKED,  DENY,    AUDITED,       DENY),
    "Person.birthDate":                 PERSON_DATA,
    "Person.sex":                       PERSON_DATA,
    "Person.phone":                     (PHONE_SELF_FAMILY_MASKED, DENY,  AUDITED,       DENY),
    "Person.insurance":                 PERSON_DATA,
    "Person.personalAccount":           (SELF_OR_ACCOUNT_HOLDER, DENY,    AUDITED,       DENY),

    "Insurance.type":                   PERSON_DATA,
    "Insurance.regionCode":             PERSON_DATA,
    "Insurance.regionName":             PERSON_DATA,
    "Insurance.districtName":           PERSON_DATA,
    "Insurance.status":                 (SELF_OR_INSURANCE_HOLDER, DENY,  AUDITED,       DENY),

    "PersonalAccount.balanceFen":       (SELF_OR_ACCOUNT_HOLDER, DENY,    AUDITED,       DENY),

    "Institution.id":                   INSTITUTION_DATA,
    "Institution.name":                 INSTITUTION_DATA,
    "Institution.kind":                 INSTITUTION_DATA,
    "Institution.level":                INSTITUTION_DATA,
    "Institution.regionCode":           INSTITUTION_DATA,
    "Institution.regionName":           INSTITUTION_DATA,

    "StaffUser.id":                     STAFF_ONLY,
    "StaffUser.username":               STAFF_ONLY,
    "StaffUser.name":                   STAFF_ONLY,
    "StaffUser.role":                   STAFF_ONLY,
    "StaffUser.active":                 STAFF_ONLY,
}
