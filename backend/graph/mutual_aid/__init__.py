"""Family mutual aid (家庭共济): grants, their caps and use, payer order, premiums paid for a relative."""

from backend.graph.core.package import Package
from backend.graph.mutual_aid import reads, rules
from backend.graph.mutual_aid.mutations import MutualAidMutation
from backend.graph.mutual_aid.types import PersonMutualAidFields

PACKAGE = Package(
    "mutual_aid", rules.ROWS, mutation=MutualAidMutation, person=PersonMutualAidFields, loaders=reads.LOADERS, prime=reads.prime
)
