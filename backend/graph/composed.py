"""Person and Institution, assembled from the fields each domain package contributes (its descriptor's
`person` and `institution`), in the order of `backend.graph.packages.PACKAGES`.

A domain package shows these types inside its own through `backend.graph.core.refs`, so no package
imports another.
"""

from __future__ import annotations

import strawberry

from backend.graph.core.node import register
from backend.graph.packages import PACKAGES


def _compose(name: str, parts: list[type], description: str) -> type:
    return strawberry.type(type(name, tuple(parts), {}), description=description)


Person = register("person")(_compose("Person", [p.person for p in PACKAGES if p.person],
                                     "An insured person (参保人)."))
Institution = register("institution")(_compose("Institution", [p.institution for p in PACKAGES if p.institution],
                                               "A partner: designated hospital or pharmacy, or a third-party app."))
