"""Roster imports: a bureau's file of insured people, started, followed and confirmed by admins (issue 8 §1)."""

from backend.graph.core.package import Package
from backend.graph.roster import rules
from backend.graph.roster.mutations import RosterMutation
from backend.graph.roster.queries import RosterQuery

PACKAGE = Package("roster", rules.ROWS, query=RosterQuery, mutation=RosterMutation)
