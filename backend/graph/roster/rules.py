"""Who follows roster imports (auditors, admins) and who runs them (admins)."""

from backend.graph.core.rules import ADMIN, AUDITOR, DENY, STAFF_ONLY

_FIELDS = ("id", "filename", "encoding", "status", "totalRows", "rowsProcessed", "errorCount", "newCount",
           "changedCount", "unchangedCount", "adjustedCount", "adjustedNetFen", "createdAt", "finishedAt",
           "errorMessage", "createdByName", "errors", "rowsApplied", "renamedColumns")

#                                       household               partner  staff          anonymous
ROWS = {
    "Query.rosterImports":              (DENY,                   DENY,    AUDITOR,       DENY),
    "Query.rosterImport":               (DENY,                   DENY,    AUDITOR,       DENY),
    "Mutation.startRosterImport":       (DENY,                   DENY,    ADMIN,         DENY),
    "Mutation.confirmRosterImport":     (DENY,                   DENY,    ADMIN,         DENY),
    "Mutation.cancelRosterImport":      (DENY,                   DENY,    ADMIN,         DENY),

    **{f"RosterImport.{name}": STAFF_ONLY for name in _FIELDS},
    "RosterImportError.row":            STAFF_ONLY,
    "RosterImportError.column":         STAFF_ONLY,
    "RosterImportError.code":           STAFF_ONLY,
    "RosterImportError.message":        STAFF_ONLY,
    "RosterImportError.header":         STAFF_ONLY,
    "RosterImportError.value":          STAFF_ONLY,
    "RenamedColumn.header":             STAFF_ONLY,
    "RenamedColumn.column":             STAFF_ONLY,
    "RosterImportPayload.rosterImport": STAFF_ONLY,
    "RosterImportPayload.alreadyImported": STAFF_ONLY,
}
