"""Partner institutions, their API keys, and staff users: what admins manage."""

from backend.graph.core.package import Package
from backend.graph.partners import reads, rules
from backend.graph.partners.mutations import PartnersMutation
from backend.graph.partners.queries import PartnersQuery
from backend.graph.partners.types import InstitutionPartnerFields

PACKAGE = Package(
    "partners", rules.ROWS, query=PartnersQuery, mutation=PartnersMutation, institution=InstitutionPartnerFields, loaders=reads.LOADERS
)
