"""The one way a mutation runs its use case."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from strawberry.types import Info

from backend.domain.errors import DomainError
from backend.graph.core.errors import OperationError
from backend.graph.core.gate import write_read_audit


async def attempt(info: Info, work: Callable[..., Any], wrap: Callable[[Any], Any], *,
                  changes_reads: bool = True) -> Any:
    """Run `work(rt, actor)` off the event loop as one use case; an expected refusal becomes a typed
    error result (nothing was written), a success is handed to `wrap` for the payload.

    After a success the caller's scope and every loaded row are read afresh, unless the use case
    writes nothing either holds (`changes_reads=False`: issuing a code adds a row no loader reads)."""
    ctx = info.context
    ctx.end_reads()  # the write must not run beside this request's open read transaction
    await write_read_audit(ctx)  # what a page read before, logged before what it writes
    try:
        result = await ctx.run(work, ctx.rt, ctx.actor)
    except DomainError as error:
        return OperationError.of(error, ctx.locale)
    if changes_reads:
        await ctx.refresh_scope()
    payload = wrap(result)
    return await payload if inspect.isawaitable(payload) else payload
