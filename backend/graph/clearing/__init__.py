"""Monthly clearing and payout (R16): batches, deductions, approval, payment, statements, payee accounts."""

from backend.graph.clearing import reads, rules
from backend.graph.clearing.mutations import ClearingMutation
from backend.graph.clearing.queries import ClearingQuery
from backend.graph.clearing.types import InstitutionClearingFields
from backend.graph.core.package import Package

PACKAGE = Package("clearing", rules.ROWS, query=ClearingQuery, mutation=ClearingMutation,
                  institution=InstitutionClearingFields, loaders=reads.LOADERS)
