"""The types one domain package shows inside another's: the only links between packages besides shared
loaders. Each is named once here, lazily, so that no package imports another; the package that defines it
lists it in its descriptor's `shares`, and `tests/graph/test_packages.py` checks both ends.

Show one in a field's type (`refs.Person`) and build it with its function (`refs.person(row)`).
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from backend.graph.core.node import wrap

# Person and Institution are composed from every package's fields (backend/graph/composed.py).
Person = Annotated["Person", strawberry.lazy("backend.graph.composed")]
Institution = Annotated["Institution", strawberry.lazy("backend.graph.composed")]
StaffUser = Annotated["StaffUser", strawberry.lazy("backend.graph.people.types")]
Settlement = Annotated["Settlement", strawberry.lazy("backend.graph.settlement.types")]


def person(row: Any) -> Any:
    """The graph's Person around a person row (None stays None)."""
    return wrap("Person", row)


def institution(row: Any) -> Any:
    return wrap("Institution", row)


def staff_user(row: Any) -> Any:
    return wrap("StaffUser", row)


def settlement(row: Any) -> Any:
    return wrap("Settlement", row)
