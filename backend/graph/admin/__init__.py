"""The insurer's side: the audit log, and the caps a region sets."""

from backend.graph.admin import rules
from backend.graph.admin.mutations import AdminMutation
from backend.graph.admin.queries import AdminQuery
from backend.graph.core.package import Package

PACKAGE = Package("admin", rules.ROWS, query=AdminQuery, mutation=AdminMutation)
