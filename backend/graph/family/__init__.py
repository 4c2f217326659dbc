"""Relatives and households: claiming, verifying and withdrawing relationships (R1); households."""

from backend.graph.core.package import Package
from backend.graph.family import reads, rules
from backend.graph.family.mutations import FamilyMutation
from backend.graph.family.queries import FamilyQuery
from backend.graph.family.types import PersonFamilyFields

PACKAGE = Package(
    "family",
    rules.ROWS,
    query=FamilyQuery,
    mutation=FamilyMutation,
    person=PersonFamilyFields,
    loaders=reads.LOADERS,
    prime=reads.prime,
    shares=frozenset({"relationships_of"}),
)
