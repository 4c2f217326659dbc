"""DataLoaders, made fresh per request: every relation a list can reach is one batched query.

Each domain package owns its loaders and their batch queries (its `reads.py`: `LOADERS` and `prime`);
`backend.graph.packages` installs them here once, and a resolver reaches them as attributes,
`info.context.loaders.person`. A batch runs on the event loop, in the request's one read session
(`RequestReads`): a local query takes less time than a hop to a worker thread and back, and one session
per request is one `BEGIN` instead of one per batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlmodel import Session, select
from strawberry.dataloader import DataLoader

from backend.graph.core.request_reads import RequestReads


def now_or_later(loader: DataLoader, key: Any, then: Callable[[Any], Any]) -> Any:
    """`then(value)` for the loader's value: at once when the request already holds it (the scope
    primed it), else as an awaitable. A resolver that returns a plain value costs graphql-core no
    task and no trip round the event loop, and a page's first level is mostly primed."""
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return then(future.result())

    async def later() -> Any:
        return then(await loader.load(key))

    return later()


async def load_many_primed_first(loader: DataLoader, keys: list[Any]) -> list[Any]:
    """`loader.load_many(keys)`, without a trip round the event loop when the request already holds
    every value: a load the caller makes next then joins the batch of its sibling fields."""
    futures = [loader.cache_map.get(key) for key in keys]
    if all(f is not None and f.done() and not f.cancelled() and f.exception() is None for f in futures):
        return [f.result() for f in futures]
    return await loader.load_many(keys)


def by_id(model) -> Callable[[Session, Sequence[uuid.UUID]], dict]:
    """The batch for a table's rows by primary key."""

    def batch(s: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
        rows = s.exec(select(model).where(model.id.in_(ids))).all() if ids else []
        return {row.id: row for row in rows}

    return batch


class Batched:
    """One loader of a package: `batch(session, keys)` (with `now`, `batch(session, keys, now)`, the
    request's clock read when the batch runs) answers a dict by key; a missing key gets `default()`,
    or None. Made on first use in a request: most requests use a few of the loaders, and making all
    of them for every request (twice for a mutation) cost more than the loads themselves."""

    def __init__(self, batch: Callable[..., dict], default: Callable[[], Any] | None = None, *,
                 now: bool = False) -> None:
        self.batch, self.default, self.now = batch, default, now
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, loaders: Loaders | None, owner: type | None = None) -> Any:
        if loaders is None:
            return self
        loader = loaders.__dict__[self.name] = loaders._loader(self)
        return loader


class Loaders:
    """The request's loaders: one attribute per loader the packages installed."""

    _primers: list[Callable[[Loaders, Any], None]] = []

    def __init__(self, rt, request_reads: RequestReads) -> None:
        self._rt = rt
        self._reads = request_reads

    @classmethod
    def install(cls, loaders: dict[str, Batched], prime: Callable[[Loaders, Any], None] | None = None) -> None:
        """Add a package's loaders (their names are unique across packages) and its share of priming."""
        for name, batched in loaders.items():
            if cls.__dict__.get(name, batched) is not batched:
                raise ValueError(f"two loaders named {name}")
            setattr(cls, name, batched)
            batched.__set_name__(cls, name)
        if prime is not None and prime not in cls._primers:
            cls._primers.append(prime)

    @classmethod
    def names(cls) -> Iterable[str]:
        return [name for name, value in vars(cls).items() if isinstance(value, Batched)]

    def _loader(self, batched: Batched) -> DataLoader:
        request_reads, default, batch = self._reads, batched.default, batched.batch
        clock = self._rt.clock if batched.now else None

        async def load(keys: list[Any]) -> list[Any]:
            session = await request_reads.session()
            found = batch(session, keys, clock.now()) if clock else batch(session, keys)
            return [found.get(k, default() if default else None) for k in keys]

        return DataLoader(load_fn=load)

    def prime(self, rows: Any) -> None:
        """What the viewer's scope already read (`ViewerRows`): the page's first level needs no further
        query. Each package primes its own loaders."""
        if rows.person is None:
            return
        for prime in self._primers:
            prime(self, rows)
