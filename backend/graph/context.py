"""Per-request context: the principal, the locale, DataLoaders and the reads to audit."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from anyio import to_thread

from backend.graph.loaders import Loaders
from backend.principals import Actor, Channel, Principal
from backend.runtime import Runtime
from backend.services import reads

T = TypeVar("T")


@dataclass
class Context:
    rt: Runtime
    principal: Principal
    channel: Channel
    locale: str
    loaders: Loaders
    # For a household member: relatives and household co-members, and their households.
    family_ids: frozenset[uuid.UUID] = frozenset()
    household_ids: frozenset[uuid.UUID] = frozenset()
    # Staff reads of personal data, person id -> fields, written to the audit log after execution.
    reads: dict[uuid.UUID, set[str]] = field(default_factory=lambda: defaultdict(set))
    request: Any = None
    response: Any = None

    @property
    def actor(self) -> Actor:
        return Actor(self.principal, self.channel)

    async def refresh_scope(self) -> None:
        """After a write: the caller's family and households may have changed."""
        self.family_ids, self.household_ids = await _scope(self.rt, self.principal)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking database work off the event loop."""
        return await to_thread.run_sync(lambda: fn(*args, **kwargs))


async def _scope(rt: Runtime, principal: Principal) -> tuple[frozenset[uuid.UUID], frozenset[uuid.UUID]]:
    if not principal.is_household:
        return frozenset(), frozenset()

    def load():
        with rt.db.read() as s:
            return reads.viewer_scope(s, principal.id)

    return await to_thread.run_sync(load)


async def build_context(rt: Runtime, principal: Principal, channel: Channel, locale: str,
                        request: Any = None, response: Any = None) -> Context:
    family, households = await _scope(rt, principal)
    return Context(rt=rt, principal=principal, channel=channel, locale=locale, loaders=Loaders(rt),
                   family_ids=family, household_ids=households, request=request, response=response)
