"""DataLoaders, made fresh per request: every relation a list can reach is one batched query.

A batch runs on the event loop, in the request's one read session (`RequestReads`): a local query
takes less time than a hop to a worker thread and back, and one session per request is one `BEGIN`
instead of one per batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlmodel import Session
from strawberry.dataloader import DataLoader

from backend.graph.core.request_reads import RequestReads
from backend.services import grants, partners, reads, statement
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


class Loaders:
    def __init__(self, rt, request_reads: RequestReads) -> None:
        self._reads = request_reads
        self.person = self._loader(lambda s, ids: reads.by_ids(s, models.Person, ids))
        self.household = self._loader(lambda s, ids: reads.by_ids(s, models.Household, ids))
        self.relationship = self._loader(lambda s, ids: reads.by_ids(s, models.Relationship, ids))
        self.institution = self._loader(lambda s, ids: reads.by_ids(s, models.Institution, ids))
        self.staff = self._loader(lambda s, ids: reads.by_ids(s, models.StaffUser, ids))
        self.api_keys_of = self._loader(partners.keys_of, default=list)
        self.enrolment = self._loader(reads.enrolments)
        self.account = self._loader(reads.accounts)
        self.relationships_of = self._loader(reads.relationships_of, default=list)
        self.households_of = self._loader(reads.households_of, default=list)
        self.members_of = self._loader(reads.members_of, default=list)
        self.voucher = self._loader(reads.vouchers)
        self.binding = self._loader(lambda s, ids: reads.by_ids(s, models.Binding, ids))
        self.bindings_held = self._loader(reads.bindings_held, default=list)
        self.bindings_of_subject = self._loader(reads.bindings_of_subject, default=list)
        self.grant = self._loader(lambda s, ids: reads.by_ids(s, models.Grant, ids))
        self.settlement = self._loader(lambda s, ids: reads.by_ids(s, models.Settlement, ids))
        self.grants_given = self._loader(reads.grants_given, default=list)
        self.grants_received = self._loader(reads.grants_received, default=list)
        self.grant_usage = self._loader(reads.grant_usage, default=list)
        self.settlement_lines = self._loader(reads.settlement_lines, default=list)
        self.line_payments = self._loader(reads.line_payments, default=list)
        self.settlements_of_subject = self._loader(reads.settlements_of_subject, default=list)
        self.ledger = self._loader(reads.ledger_of, default=list)
        self.saved_order = self._loader(reads.saved_orders)
        self.grant_view = self._loader(lambda s, ids: grants.grant_views(s, ids, rt.clock.now()))
        # Keyed by (person or grant id, year).
        self.statement_lines = self._loader(statement.paid_lines, default=list)
        self.grant_paid_in = self._loader(statement.grant_paid_in, default=statement.GrantYear)

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
