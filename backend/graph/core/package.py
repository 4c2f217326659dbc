"""What a domain package of the graph gives the schema: one descriptor each, `PACKAGE` in its `__init__.py`.

`backend/graph/packages.py` holds the one list of them; the schema's Query and Mutation, the composed
Person and Institution, the DataLoaders and the rule table are all built from that list, so a new package
registers in one place (and `tests/graph/test_packages.py` checks the list against the import contracts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from backend.graph.core.loaders import Batched


@dataclass(frozen=True)
class Package:
    name: str  # the package's module name under backend.graph
    rules: Mapping[str, Any]  # its rows of the rule table (`rules.ROWS`)
    query: type | None = None  # its Query fields (a strawberry type)
    mutation: type | None = None  # its mutations (a strawberry type)
    person: type | None = None  # the fields it adds to Person
    institution: type | None = None  # the fields it adds to Institution
    loaders: Mapping[str, Batched] = field(default_factory=dict)  # its DataLoaders, by attribute name
    prime: Callable[[Any, Any], None] | None = None  # (loaders, ViewerRows): what the viewer's rows give them
    # What other packages may use: loader names, and type names shown through `core.refs`. Any other
    # link between packages is an error (`tests/graph/test_packages.py`).
    shares: frozenset[str] = frozenset()
