"""Reconciliation: a partner checks its settlements against the service's, totals and detail (issue 18 §2, R17)."""

from backend.graph.core.package import Package
from backend.graph.reconciliation import rules
from backend.graph.reconciliation.mutations import ReconciliationMutation

PACKAGE = Package("reconciliation", rules.ROWS, mutation=ReconciliationMutation)
