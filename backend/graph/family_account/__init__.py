"""Family accounts (亲情账户): e-vouchers, bindings and their scopes, codes shown, scanned and settled."""

from backend.graph.core.package import Package
from backend.graph.family_account import reads, rules
from backend.graph.family_account.mutations import FamilyAccountMutation
from backend.graph.family_account.queries import FamilyAccountQuery
from backend.graph.family_account.types import PersonBindingFields

PACKAGE = Package(
    "family_account",
    rules.ROWS,
    query=FamilyAccountQuery,
    mutation=FamilyAccountMutation,
    person=PersonBindingFields,
    loaders=reads.LOADERS,
    prime=reads.prime,
)
