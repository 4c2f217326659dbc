"""The catalogue is public to staff and partners; its imports are staff's, clerks and admins import it and
decide mappings; a partner submits mappings and reads only its own."""

from backend.graph.core.rules import ALLOW, CLERK_OR_ADMIN, DENY, OWN_INSTITUTION, PARTNER_ONLY, STAFF_ONLY

STAFF_AND_PARTNERS = (DENY, ALLOW, ALLOW, DENY)
MAPPING_DATA = (DENY, OWN_INSTITUTION, ALLOW, DENY)

_ENTRY = ("id", "nationalCode", "name", "kind", "itemClass", "bSelfFirstBp", "priceCapFen", "validFrom", "validTo")
_IMPORT = ("id", "filename", "encoding", "status", "totalRows", "errorCount", "newCount", "unchangedCount",
           "endedCount", "createdAt", "createdByName", "problems")
_IMPORT_PROBLEM = ("row", "column", "header", "value", "code", "message")
_MAPPING = ("id", "itemCode", "itemName", "nationalCode", "status", "submittedAt", "decidedAt", "reason", "entry",
            "institution")
_MAPPING_PROBLEM = ("row", "column", "value", "code", "message")

#                                         household  partner          staff           anonymous
ROWS = {
    "Query.catalogueEntries":             STAFF_AND_PARTNERS,
    "Query.catalogueImports":             STAFF_ONLY,
    "Query.catalogueImport":              STAFF_ONLY,
    "Query.itemMappings":                 STAFF_AND_PARTNERS,
    "Mutation.importCatalogue":           (DENY,      DENY,            CLERK_OR_ADMIN, DENY),
    "Mutation.submitItemMappings":        PARTNER_ONLY,
    "Mutation.submitItemMappingFile":     PARTNER_ONLY,
    "Mutation.decideItemMapping":         (DENY,      DENY,            CLERK_OR_ADMIN, DENY),

    **{f"CatalogueEntry.{name}": STAFF_AND_PARTNERS for name in _ENTRY},
    **{f"CatalogueImport.{name}": STAFF_ONLY for name in _IMPORT},
    **{f"CatalogueImportProblem.{name}": STAFF_ONLY for name in _IMPORT_PROBLEM},
    **{f"ItemMapping.{name}": MAPPING_DATA for name in _MAPPING},
    **{f"ItemMappingProblem.{name}": PARTNER_ONLY for name in _MAPPING_PROBLEM},
    "CatalogueImportPayload.catalogueImport": STAFF_ONLY,
    "CatalogueImportPayload.alreadyImported": STAFF_ONLY,
    "ItemMappingsPayload.mappings":       PARTNER_ONLY,
    "ItemMappingsPayload.problems":       PARTNER_ONLY,
    "ItemMappingPayload.mapping":         STAFF_ONLY,
}
