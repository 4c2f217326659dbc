"""A person's own display preferences: elderly mode (适老化)."""

from backend.graph.core.package import Package
from backend.graph.preferences import rules
from backend.graph.preferences.mutations import PreferencesMutation
from backend.graph.preferences.types import PersonPreferencesFields

PACKAGE = Package("preferences", rules.ROWS, mutation=PreferencesMutation, person=PersonPreferencesFields)
