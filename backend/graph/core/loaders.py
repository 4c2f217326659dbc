"""DataLoaders, made fresh per request: every relation a list can reach is one batched query.

A batch runs on the event loop, in the request's one read session (`RequestReads`): a local query
takes less time than a hop to a worker thread and back, and one session per request is one `BEGIN`
instead of one per batch.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlmodel import Session
from strawberry.dataloader import DataLoader

from backend.graph.core.request_reads import RequestReads
from backend.services.admin import partners
from backend.services.money import grants, statement
from backend.services.people import reads
from backend.storage import models


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


class _Batched:
    """A loader attribute made on first use in a request: most requests use a few of the loaders, and
    making all of them for every request (twice for a mutation) cost more than the loads themselves."""

    def __init__(self, batch: Callable[[Session, Sequence[Any]], dict], default: Callable[[], Any] | None = None):
        self.batch, self.default = batch, default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, loaders: Loaders | None, owner: type | None = None) -> Any:
        if loaders is None:
            return self
        loader = loaders.__dict__[self.name] = loaders._loader(self.batch, self.default)
        return loader


class Loaders:
    # Each batch names its function when it runs (not when the class is made), as a request would.
    person = _Batched(lambda s, ids: reads.by_ids(s, models.Person, ids))
    household = _Batched(lambda s, ids: reads.by_ids(s, models.Household, ids))
    relationship = _Batched(lambda s, ids: reads.by_ids(s, models.Relationship, ids))
    institution = _Batched(lambda s, ids: reads.by_ids(s, models.Institution, ids))
    staff = _Batched(lambda s, ids: reads.by_ids(s, models.StaffUser, ids))
    api_keys_of = _Batched(lambda s, ids: partners.keys_of(s, ids), default=list)
    enrolment = _Batched(lambda s, ids: reads.enrolments(s, ids))
    account = _Batched(lambda s, ids: reads.accounts(s, ids))
    relationships_of = _Batched(lambda s, ids: reads.relationships_of(s, ids), default=list)
    households_of = _Batched(lambda s, ids: reads.households_of(s, ids), default=list)
    members_of = _Batched(lambda s, ids: reads.members_of(s, ids), default=list)
    voucher = _Batched(lambda s, ids: reads.vouchers(s, ids))
    binding = _Batched(lambda s, ids: reads.by_ids(s, models.Binding, ids))
    bindings_held = _Batched(lambda s, ids: reads.bindings_held(s, ids), default=list)
    bindings_of_subject = _Batched(lambda s, ids: reads.bindings_of_subject(s, ids), default=list)
    grant = _Batched(lambda s, ids: reads.by_ids(s, models.Grant, ids))
    settlement = _Batched(lambda s, ids: reads.by_ids(s, models.Settlement, ids))
    grants_given = _Batched(lambda s, ids: reads.grants_given(s, ids), default=list)
    grants_received = _Batched(lambda s, ids: reads.grants_received(s, ids), default=list)
    grant_usage = _Batched(lambda s, ids: reads.grant_usage(s, ids), default=list)
    settlement_lines = _Batched(lambda s, ids: reads.settlement_lines(s, ids), default=list)
    line_payments = _Batched(lambda s, ids: reads.line_payments(s, ids), default=list)
    settlements_of_subject = _Batched(lambda s, ids: reads.settlements_of_subject(s, ids), default=list)
    ledger = _Batched(lambda s, ids: reads.ledger_of(s, ids), default=list)
    saved_order = _Batched(lambda s, ids: reads.saved_orders(s, ids))
    # Keyed by (person or grant id, year).
    statement_lines = _Batched(lambda s, ids: statement.paid_lines(s, ids), default=list)
    grant_paid_in = _Batched(lambda s, ids: statement.grant_paid_in(s, ids), default=statement.GrantYear)

    def __init__(self, rt, request_reads: RequestReads) -> None:
        self._rt = rt
        self._reads = request_reads

    @functools.cached_property
    def grant_view(self) -> DataLoader:
        clock = self._rt.clock
        return self._loader(lambda s, ids: grants.grant_views(s, ids, clock.now()))

    def _loader(self, batch: Callable[[Session, Sequence[uuid.UUID]], dict], default: Callable[[], Any] | None = None):
        request_reads = self._reads

        async def load(keys: list[uuid.UUID]) -> list[Any]:
            found = batch(await request_reads.session(), keys)
            return [found.get(k, default() if default else None) for k in keys]

        return DataLoader(load_fn=load)

    def prime(self, rows: reads.ViewerRows) -> None:
        """What the viewer's scope already read: the page's first level needs no further query."""
        if rows.person is None:
            return
        me = rows.person.id
        for person in (rows.person, *rows.people.values()):
            self.person.prime(person.id, person)
        for person_id in (me, *rows.people):
            self.enrolment.prime(person_id, rows.enrolments.get(person_id))
        self.account.prime(me, rows.account)
        self.relationships_of.prime(me, rows.relationships)
        self.households_of.prime(me, rows.households)
        for household in rows.households:
            self.household.prime(household.id, household)
            self.members_of.prime(household.id, rows.members.get(household.id, []))
        self.bindings_held.prime(me, [b for b in rows.bindings if b.holder_id == me])
        self.bindings_of_subject.prime(me, [b for b in rows.bindings if b.subject_id == me])
        for binding in rows.bindings:
            self.binding.prime(binding.id, binding)
        self.grants_given.prime(me, [g for g in rows.grants if g.grantor_id == me])
        self.grants_received.prime(me, [g for g in rows.grants if g.grantee_id == me])
        for grant in rows.grants:
            self.grant.prime(grant.id, grant)
        self.saved_order.prime(me, rows.payer_order)
        for subject, payer in rows.held_payers.items():
            self.account.prime(subject, payer.account)
            self.saved_order.prime(subject, payer.payer_order)
            self.grants_received.prime(subject, payer.grants_received)
            for grant in payer.grants_received:
                self.grant.prime(grant.id, grant)
