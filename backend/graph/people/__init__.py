"""People and principals: persons, their insurance and account, institutions, staff users; `viewer`, staff search."""

from backend.graph.core.package import Package
from backend.graph.people import reads, rules
from backend.graph.people.queries import PeopleQuery
from backend.graph.people.types import InstitutionFields, PersonFields

PACKAGE = Package(
    "people",
    rules.ROWS,
    query=PeopleQuery,
    person=PersonFields,
    institution=InstitutionFields,
    loaders=reads.LOADERS,
    prime=reads.prime,
    shares=frozenset({"StaffUser", "person", "institution", "staff", "account"}),
)
