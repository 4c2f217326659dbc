"""The staff console's home: what the service is doing, as figures (no personal data)."""

from backend.graph.core.package import Package
from backend.graph.dashboard import rules
from backend.graph.dashboard.queries import DashboardQuery

PACKAGE = Package("dashboard", rules.ROWS, query=DashboardQuery)
