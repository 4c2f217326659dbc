"""Settlement parameters (R7, R12): effective-dated versions per region prefix, set by admins."""

from backend.graph.core.package import Package
from backend.graph.parameters import rules
from backend.graph.parameters.mutations import ParametersMutation
from backend.graph.parameters.queries import ParametersQuery

PACKAGE = Package("parameters", rules.ROWS, query=ParametersQuery, mutation=ParametersMutation)
