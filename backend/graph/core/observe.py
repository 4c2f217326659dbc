"""Each GraphQL operation counted and timed by name and type, and named in the request's access line."""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from backend.observability import metrics, request_id


class Observe(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ctx = self.execution_context
        info = request_id.current()
        if info is not None:
            info.operation = metrics.operation_label(ctx.operation_name)
        errors = bool(ctx.result and ctx.result.errors)
        metrics.graphql_operation(ctx.operation_name, ctx.operation_type.value, errors=errors,
                                  seconds=time.perf_counter() - started)
