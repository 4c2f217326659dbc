"""Settlements (R7, R8): bills split between the fund, accounts and cash; refunds, reversals; the ledger."""

from backend.graph.core.package import Package
from backend.graph.settlement import reads, rules
from backend.graph.settlement.mutations import SettlementMutation
from backend.graph.settlement.queries import SettlementQuery
from backend.graph.settlement.types import InstitutionSettlementFields, PersonSettlementFields

PACKAGE = Package(
    "settlement",
    rules.ROWS,
    query=SettlementQuery,
    mutation=SettlementMutation,
    person=PersonSettlementFields,
    institution=InstitutionSettlementFields,
    loaders=reads.LOADERS,
    shares=frozenset({"Settlement"}),
)
