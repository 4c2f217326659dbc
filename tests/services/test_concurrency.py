"""Many partners settling at once against one grantor's account (SQLite, PostgreSQL, serializable).

The grantor can pay for only some of the bills: the account must never go below zero, the ledger must
sum to the balances, and a request retried with its idempotency key must charge once.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlmodel import func, select

from backend.domain.idnumber import Sex
from backend.principals import Actor, Channel
from backend.services.family_account import bindings, codes
from backend.services.money import settlement
from backend.storage.models import Settlement, SettlementPayment
from tests.helpers import actor_of, partner, person, relate, staff
from tests.money import assert_ledger_balanced, balance, grant, line, map_lines

pytestmark = [pytest.mark.serializable, pytest.mark.pooler]

CHILDREN = 10
ROUNDS = 3
BILL = 80_00  # List C: all of it personal burden


def test_concurrent_settlements_never_overdraw_and_retries_charge_once(rt):
    clerk = staff(rt, "clerk")
    grantor = person(rt, "父亲", date(1960, 1, 1), Sex.MALE, insurance="employee", balance_fen=500_00)
    children = []
    for i in range(CHILDREN):
        child = person(rt, f"孩子{i}", date(1985 + i, 1, 1))
        relate(rt, grantor, child, "child", verify_with=clerk)
        bindings.activate_voucher(rt, actor_of(child))
        grant(rt, grantor, child)
        children.append(child)
    partners = [Actor(partner(rt)[0], Channel.GRAPHQL) for _ in range(4)]
    for who in partners:
        map_lines(rt, who.principal.id, [line("C", BILL)])
    calls = 0
    results: dict[str, set] = {}
    with ThreadPoolExecutor(max_workers=CHILDREN + 1) as pool:
        for round_no in range(ROUNDS):
            requests = []
            for i, child in enumerate(children):
                code = codes.issue_code(rt, actor_of(child), child.id).text
                requests.append((partners[i % len(partners)], settlement.SettleRequest(
                    code=code, visit_type=settlement.VisitType.PHARMACY, service_date=rt.clock.now().date(),
                    lines=[line("C", BILL)], idempotency_key=f"r{round_no}-child{i:02d}")))
            requests.append(requests[round_no])  # one in ten sent twice, at the same time
            futures = [(req.idempotency_key, pool.submit(settlement.settle, rt, who, req)) for who, req in requests]
            for key, future in futures:
                results.setdefault(key, set()).add(future.result())
            calls += len(futures)
    assert calls == ROUNDS * (CHILDREN + 1)
    assert all(len(ids) == 1 for ids in results.values())  # a retry got the first result
    with rt.db.read() as s:
        assert s.exec(select(func.count()).select_from(Settlement)).one() == ROUNDS * CHILDREN
        paid = s.exec(select(func.sum(SettlementPayment.amount_fen))).one()
        cash = s.exec(select(func.sum(Settlement.cash_fen))).one()
    assert balance(rt, grantor) == 0 and paid == 500_00  # spent exactly to zero, never below
    assert paid + cash == ROUNDS * CHILDREN * BILL
    assert_ledger_balanced(rt)
