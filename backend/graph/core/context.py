"""Per-request context: the principal, the locale, DataLoaders and the reads to audit."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from anyio import to_thread

from backend.graph.core.loaders import Loaders
from backend.graph.core.request_reads import RequestReads
from backend.principals import Actor, Channel, Principal
from backend.runtime import Runtime
from backend.services.people import viewer

T = TypeVar("T")


@dataclass
class Context:
    rt: Runtime
    principal: Principal
    channel: Channel
    locale: str
    loaders: Loaders
    reads: RequestReads  # the request's one read session, shared by its loaders
    # For a household member: whom they may see, and through which bindings.
    scope: viewer.ViewerScope = field(default_factory=viewer.ViewerScope)
    # Reads of personal data the rules audit (staff; partners reading a settlement), person id -> fields,
    # written to the audit log once the operation has run.
    personal_data_reads: dict[uuid.UUID, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Those reads per finished operation, not yet written (see `gate.write_read_audit`).
    unaudited_reads: list[dict[uuid.UUID, list[str]]] = field(default_factory=list)
    # False when a page began the read transaction: it ends it, and writes the reads' audit, itself.
    owns_reads: bool = True
    request: Any = None
    response: Any = None

    @property
    def actor(self) -> Actor:
        return Actor(self.principal, self.channel)

    @property
    def family_ids(self) -> frozenset[uuid.UUID]:
        return self.scope.family_ids

    @property
    def household_ids(self) -> frozenset[uuid.UUID]:
        return self.scope.household_ids

    async def refresh_scope(self) -> None:
        """After a write: the caller's family, households and bindings may have changed, and so may
        any row a loader holds; reads start again in a fresh transaction."""
        self.end_reads()
        self.loaders = Loaders(self.rt, self.reads)
        self.scope = await _scope(self.reads, self.loaders, self.principal)

    def end_reads(self) -> None:
        self.reads.close()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking database work off the event loop."""
        return await to_thread.run_sync(lambda: fn(*args, **kwargs))


async def _scope(request_reads: RequestReads, loaders: Loaders, principal: Principal) -> viewer.ViewerScope:
    if not principal.is_household:
        return viewer.ViewerScope()
    rows = viewer.viewer_rows(await request_reads.session(), principal.id)
    loaders.prime(rows)
    return rows.scope()


async def build_context(rt: Runtime, principal: Principal, channel: Channel, locale: str,
                        request: Any = None, response: Any = None, reads: RequestReads | None = None) -> Context:
    """`reads`: a read transaction the request has already begun (a page read its principal in it), which
    outlives the operation: the page ends it and writes the audit of its reads (`gate.write_read_audit`)."""
    request_reads = reads or RequestReads(rt.db)
    loaders = Loaders(rt, request_reads)
    return Context(rt=rt, principal=principal, channel=channel, locale=locale, loaders=loaders, reads=request_reads,
                   scope=await _scope(request_reads, loaders, principal), request=request, response=response,
                   owns_reads=reads is None)
