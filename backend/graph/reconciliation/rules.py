"""Who reconciles: a partner its own settlements (the service checks the institution), staff any institution's."""

from backend.graph.core.rules import ALLOW, DENY, REACHED_THROUGH_PARENT

_RESULT_TYPES = {
    "ReconcileTotals": ("first", "last", "insuranceType", "visitType", "includeRefunds", "balanced", "service",
                        "partner", "difference"),
    "ReconcileFigures": ("count", "billFen", "fundFen", "accountFen"),
    "ReconcileDetails": ("first", "last", "balanced", "counts", "results", "csv"),
    "ReconcileCounts": ("balanced", "onlyService", "onlyPartner", "different"),
    "ReconcileDetail": ("settlementId", "outcome", "code", "differences", "visitId", "person", "service", "partner",
                        "settledOn", "row"),
    "ReconcileAmounts": ("billFen", "fundFen", "accountFen", "refunded"),
    "ReconcileFileRejected": ("code", "message", "problems", "problemCount"),
    "ReconcileFileProblem": ("row", "column", "code", "message", "value"),
}

#                                       household  partner  staff  anonymous
ROWS = {
    "Mutation.reconcileTotals":         (DENY,      ALLOW,   ALLOW, DENY),
    "Mutation.reconcileDetails":        (DENY,      ALLOW,   ALLOW, DENY),
    # Results are reached only through these mutations, which the service answers only for the caller's
    # own institution (partners) or any (staff).
    **{f"{kind}.{name}": REACHED_THROUGH_PARENT for kind, names in _RESULT_TYPES.items() for name in names},
}
