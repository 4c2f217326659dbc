"""Settlements and refunds committing while their month's batch is prepared land in exactly one batch:
never none, never two (SQLite, PostgreSQL, PostgreSQL at serializable isolation).

Settlements stamped in the last minute of March and refunds of earlier March settlements run in threads
while two staff members prepare March at once (the clock of the preparers says April). Whatever committed
before the winning prepare is in March's batch; whatever committed after it is in April's, which is
prepared next. Then every settlement and refund is in exactly one batch with its own parts, and
`verify-ledger` holds.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from backend.clock import CHINA, FrozenClock
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import Sex
from backend.principals import Actor, Channel
from backend.runtime import Runtime
from backend.services.clearing import batches
from backend.services.family_account import bindings, codes
from backend.services.money import settlement
from backend.services.money.ledger_check import verify
from backend.storage.models import ClearingItem, Refund, Settlement
from tests.helpers import actor_of, partner, person, staff
from tests.money import line

pytestmark = [pytest.mark.serializable, pytest.mark.pooler]

PEOPLE = 12


def _china(*when) -> datetime:
    """A China-time instant, as the clocks give it: in UTC."""
    return datetime(*when, tzinfo=CHINA).astimezone(UTC)


def _at(rt, *when) -> None:
    rt.clock._at = _china(*when)


def _settle(rt, who, subject, key):
    code = codes.issue_code(rt, actor_of(subject), subject.id).text
    request = settlement.SettleRequest(code=code, visit_type=settlement.VisitType.PHARMACY,
                                       service_date=rt.clock.now().astimezone(CHINA).date(),
                                       lines=[line("A", 50_00), line("C", 7_00)], idempotency_key=key)
    return settlement.settle(rt, who, request)


def test_rows_committing_while_the_month_is_prepared_land_in_exactly_one_batch(rt):
    clerks = [Actor(staff(rt, "clerk"), Channel.CONSOLE) for _ in range(2)]
    pharmacy = Actor(partner(rt)[0], Channel.GRAPHQL)
    people = [person(rt, f"参保人{i}", date(1970 + i, 1, 1), Sex.MALE, insurance="employee", balance_fen=10_000_00)
              for i in range(PEOPLE)]
    for p in people:
        bindings.activate_voucher(rt, actor_of(p))
    _at(rt, 2026, 3, 10, 9)
    earlier = [_settle(rt, pharmacy, p, f"early-{i:04d}") for i, p in enumerate(people)]
    _at(rt, 2026, 3, 31, 23, 59)
    preparers = Runtime(db=rt.db, settings=rt.settings, clock=FrozenClock(_china(2026, 4, 1, 0, 0, 30)))

    def prepare(actor):
        try:
            return batches.prepare(preparers, actor, "2026-03").id
        except DomainError as refused:
            assert refused.code == ErrorCode.BATCH_EXISTS
            return None

    with ThreadPoolExecutor(max_workers=6) as pool:
        work = [pool.submit(_settle, rt, pharmacy, p, f"late-{i:04d}") for i, p in enumerate(people)]
        work += [pool.submit(settlement.refund, rt, pharmacy, settlement.RefundRequest(sid, None, f"refund-{i:04d}"))
                 for i, sid in enumerate(earlier[: PEOPLE // 2])]
        prepared = [pool.submit(prepare, clerk) for clerk in clerks]
        work += [pool.submit(_settle, rt, pharmacy, p, f"later-{i:04d}") for i, p in enumerate(people)]
        for future in work:
            future.result()
        winners = [f.result() for f in prepared if f.result() is not None]
    assert len(winners) == 1  # the other prepare was refused: one batch per month

    preparers.clock._at = _china(2026, 5, 1, 9)
    batches.prepare(preparers, clerks[0], "2026-04")
    with rt.db.read() as s:
        settlements = s.exec(select(func.count()).select_from(Settlement)).one()
        refunds = s.exec(select(func.count()).select_from(Refund)).one()
        items = s.exec(select(ClearingItem.kind, func.count(), func.count(func.distinct(ClearingItem.source_id)))
                       .group_by(ClearingItem.kind)).all()
    assert (settlements, refunds) == (3 * PEOPLE, PEOPLE // 2)
    assert {kind: (n, distinct) for kind, n, distinct in items} == {
        "settlement": (settlements, settlements), "refund": (refunds, refunds)}
    report = verify(rt.db)
    assert report.ok, report.broken
