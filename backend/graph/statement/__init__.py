"""The yearly statement: what a person paid themselves for their care in a year (Person.statement)."""

from backend.graph.core.package import Package
from backend.graph.statement import reads, rules
from backend.graph.statement.types import PersonStatementFields

PACKAGE = Package("statement", rules.ROWS, person=PersonStatementFields, loaders=reads.LOADERS)
