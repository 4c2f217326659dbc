"""`verify-ledger` holds after a random mix of settlements, refunds and reversals over two months,
deductions, a rejected and re-prepared batch, and paid batches (SQLite, PostgreSQL, serializable)."""

import random

import pytest

from backend.domain.errors import DomainError
from backend.domain.settlement import VisitType
from backend.principals import Actor, Channel
from backend.services.clearing import batches, deductions, payee
from backend.services.money import settlement
from backend.services.money.ledger_check import verify
from tests.clearing import china
from tests.helpers import staff
from tests.money import grant, jinan_family, line, settle_for

pytestmark = pytest.mark.serializable

CATEGORIES = ("A", "B", "C", "NON_MEDICAL")


@pytest.mark.parametrize("seed", [7, 2026])
def test_verify_ledger_holds_after_a_random_mix_and_paid_batches(rt, seed):
    rng = random.Random(seed)
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter)
    grant(rt, fam.mother, fam.son)
    clerk, auditor, admin = (Actor(p, Channel.CONSOLE) for p in (fam.clerk, staff(rt, "auditor"), staff(rt, "admin")))
    for partner in (fam.pharmacy, fam.hospital):
        payee.set_payee_account(rt, admin, partner.id, "Bank of Jinan", "62220212345678", "contract")
    people = [fam.father, fam.mother, fam.daughter, fam.son]
    made: list = []

    def some_bills(month: int, count: int) -> None:
        times = sorted((rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)) for _ in range(count))
        for day, hour, minute in times:  # forward in time, as a month goes
            china(rt, 2026, month, day, hour, minute)
            who = rng.choice(people)
            at = rng.choice((fam.pharmacy, fam.hospital))
            lines = [line(rng.choice(CATEGORIES), rng.randint(1, 400_00)) for _ in range(rng.randint(1, 3))]
            visit = VisitType.PHARMACY if at is fam.pharmacy else rng.choice((VisitType.OUTPATIENT, VisitType.INPATIENT))
            sid, request = settle_for(rt, at, who, who, lines, visit=visit)
            made.append((sid, at, len(lines)))
            if rng.random() < 0.3:  # refund some lines now, or reverse the rest
                target, partner, n = rng.choice(made)
                try:
                    if rng.random() < 0.5:
                        settlement.refund(rt, Actor(partner, Channel.GRAPHQL),
                                          settlement.RefundRequest(target, (rng.randint(1, n),), f"refund-{rng.random()}"))
                    else:
                        settlement.reverse(rt, clerk, settlement.RefundRequest(target, None, reason="duplicate"))
                except DomainError:
                    pass  # already refunded, deducted, or past the window: refused, nothing written

    def clear(month_text: str, clock_month: int) -> None:
        china(rt, 2026, clock_month, 2)
        batch = batches.prepare(rt, clerk, month_text)
        for sid, _, _ in rng.sample(made, k=min(3, len(made))):
            try:
                deductions.deduct(rt, auditor, batch.id, sid, rng.randint(1, 30_00), "audit finding")
            except DomainError:
                pass  # not in this batch, or more than is left
        if rng.random() < 0.5:
            batches.reject(rt, auditor, batch.id, "check again")
            batch = batches.prepare(rt, clerk, month_text)
        batches.approve(rt, auditor, batch.id)
        batches.pay(rt, admin, batch.id, f"PAY-{month_text}")
        report = verify(rt.db)
        assert report.ok, report.broken

    some_bills(3, 12)
    clear("2026-03", 4)
    some_bills(4, 10)
    clear("2026-04", 5)
