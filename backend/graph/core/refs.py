"""Types one domain package shows inside another's, named lazily so that no package imports another.

Build such an object with `backend.graph.core.node.wrap("Person", row)`.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

Person = Annotated["Person", strawberry.lazy("backend.graph.composed")]
Institution = Annotated["Institution", strawberry.lazy("backend.graph.composed")]
StaffUser = Annotated["StaffUser", strawberry.lazy("backend.graph.people.types")]
Settlement = Annotated["Settlement", strawberry.lazy("backend.graph.settlement.types")]
