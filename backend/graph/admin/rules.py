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

    "Query.hsaMessages":                (DENY,                   DENY,    AUDITOR,       DENY),
    "HsaMessage.at":                    STAFF_ONLY,
    "HsaMessage.msgid":                 STAFF_ONLY,
    "HsaMessage.infno":                 STAFF_ONLY,
    "HsaMessage.opter":                 STAFF_ONLY,
    "HsaMessage.institutionName":       STAFF_ONLY,
    "HsaMessage.institutionCode":       STAFF_ONLY,
    "HsaMessage.infcode":               STAFF_ONLY,
    "HsaMessage.errMsg":                STAFF_ONLY,
    "HsaMessage.firstReply":            STAFF_ONLY,
    "HsaMessage.digest":                STAFF_ONLY,
    "HsaMessage.request":               (DENY,                   DENY,    AUDITOR,       DENY),
    "HsaMessage.reply":                 (DENY,                   DENY,    AUDITOR,       DENY),

    "PolicyLimit.name":                 STAFF_ONLY,
    "PolicyLimit.regionPrefix":         STAFF_ONLY,
    "PolicyLimit.value":                STAFF_ONLY,
}
