"""Who sees the dashboard: staff, every role. Aggregates only, so nothing here is audited."""

from backend.graph.core.rules import STAFF_ONLY

#                                       household               partner  staff          anonymous
ROWS = {
    "Query.dashboard":                  STAFF_ONLY,

    "Dashboard.asOf":                   STAFF_ONLY,
    "Dashboard.today":                  STAFF_ONLY,
    "Dashboard.thisMonth":              STAFF_ONLY,
    "Dashboard.activeGrants":           STAFF_ONLY,
    "Dashboard.activeBindings":         STAFF_ONLY,
    "Dashboard.pendingClaims":          STAFF_ONLY,

    "SettlementSplit.count":            STAFF_ONLY,
    "SettlementSplit.billFen":          STAFF_ONLY,
    "SettlementSplit.fundFen":          STAFF_ONLY,
    "SettlementSplit.ownAccountsFen":   STAFF_ONLY,
    "SettlementSplit.mutualAidFen":     STAFF_ONLY,
    "SettlementSplit.cashFen":          STAFF_ONLY,
    "SettlementSplit.refundedFen":      STAFF_ONLY,
}
