"""Property: whatever the bill and whichever lines are refunded, every pool gets back exactly what it paid,
over-limit self-pay (R18) included."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from backend.domain.settlement import BillLine, Category
from backend.principals import Actor, Channel
from backend.services.money import settlement
from backend.storage.models import AnnualAccumulator, SettlementLine
from tests.money import assert_ledger_balanced, balance, grant, jinan_family, map_capped, settle_for

pytestmark = pytest.mark.serializable

# Item codes "A", "B", "C" are mapped to the test catalogue's entries of those classes, "NON_MEDICAL" is not
# (cash only), and "CAP" to the capped List B entry (the part of a price above 50.00 is over-limit self-pay).
bills = st.lists(st.builds(lambda category, price, qty: BillLine(category.value if category else "CAP", "item",
                                                                 category, price, qty),
                           st.sampled_from([*Category, None]), st.integers(1, 300_000), st.integers(1, 5)),
                 min_size=1, max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bill=bills, refund_order=st.randoms(use_true_random=False))
def test_refunds_restore_every_balance_and_accumulator(rt, bill, refund_order):
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter)
    grant(rt, fam.mother, fam.daughter)
    map_capped(rt, fam.hospital.id, "CAP")
    before = (balance(rt, fam.father), balance(rt, fam.mother))
    sid, _ = settle_for(rt, fam.hospital, fam.daughter, fam.daughter, bill)
    numbers = list(range(1, len(bill) + 1))
    refund_order.shuffle(numbers)
    partner = Actor(fam.hospital, Channel.GRAPHQL)
    while numbers:
        take = numbers[:refund_order.randint(1, len(numbers))]
        numbers = [n for n in numbers if n not in take]
        settlement.refund(rt, partner, settlement.RefundRequest(sid, tuple(take), f"refund-{sid}-{take}"))
    assert (balance(rt, fam.father), balance(rt, fam.mother)) == before
    with rt.db.read() as s:
        acc = s.get(AnnualAccumulator, (fam.daughter.id, rt.clock.now().year))
        assert (acc.deductible_used_fen, acc.fund_paid_fen) == (0, 0)
        assert all(ln.refund_id for ln in s.exec(select(SettlementLine).where(SettlementLine.settlement_id == sid)))
    assert_ledger_balanced(rt)
