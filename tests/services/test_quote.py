"""预结算: a quote is the split the following settlement makes, computed by the same code, writing nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.settlement import BillLine, Category, VisitType
from backend.principals import Actor, Channel
from backend.services.family_account import bindings, codes
from backend.services.money import settlement
from backend.storage.models import (
    AnnualAccumulator,
    LedgerTransaction,
    PresentedCode,
    Settlement,
    SettlementLine,
    SettlementPayment,
)
from tests.helpers import actor_of, count
from tests.money import assert_ledger_balanced, balance, grant, jinan_family, line, map_lines, settle_for

pytestmark = pytest.mark.serializable

# One item code per category, as a till has one code per item (mapped to the test catalogue by `map_lines`; the
# NON_MEDICAL one is left unmapped: outside the catalogue, cash only).
bills = st.lists(st.sampled_from(Category).flatmap(lambda category: st.builds(
    BillLine, st.just(f"q-{category.value}"), st.just("item"), st.just(category), st.integers(1, 300_000),
    st.integers(1, 5))), min_size=1, max_size=6)


def _bill(rt, code: str, lines, allow_cash: bool = True, at=None) -> settlement.Bill:
    """The bill at the pharmacy `at` (a principal), whose item codes are then mapped to the test catalogue."""
    if at is not None:
        map_lines(rt, at.id, lines)
    return settlement.Bill(code=code, visit_type=VisitType.PHARMACY, service_date=rt.clock.now().date(), lines=lines,
                           allow_cash=allow_cash)


def _settle(rt, partner, bill: settlement.Bill, key: str):
    request = settlement.SettleRequest(code=bill.code, visit_type=bill.visit_type, service_date=bill.service_date,
                                       lines=bill.lines, idempotency_key=key, allow_cash=bill.allow_cash)
    return settlement.settle(rt, Actor(partner, Channel.GRAPHQL), request)


def _as_settled(rt, settlement_id):
    """The stored settlement in the shape of a split: totals, each pool's total, and each line's parts."""
    with rt.db.read() as s:
        row = s.get(Settlement, settlement_id)
        lines = s.exec(select(SettlementLine).where(SettlementLine.settlement_id == settlement_id)
                       .order_by(SettlementLine.line_no)).all()
        payments = s.exec(select(SettlementPayment).where(SettlementPayment.line_id.in_([ln.id for ln in lines]))).all()
    per_line = {ln.id: {} for ln in lines}
    totals: dict[str, int] = {}
    for p in payments:
        per_line[p.line_id][p.pool] = p.amount_fen
        totals[p.pool] = totals.get(p.pool, 0) + p.amount_fen
    parts = ("amount_fen", "fund_fen", "deductible_fen", "copay_fen", "b_self_first_fen", "self_pay_fen",
             "non_medical_fen", "cash_fen")
    return ((row.bill_fen, row.fund_fen, row.deductible_fen, row.copay_fen, row.b_self_first_fen, row.self_pay_fen,
             row.non_medical_fen, row.cash_fen), totals,
            [(tuple(getattr(ln, p) for p in parts), per_line[ln.id]) for ln in lines], row.payer_order)


def _as_quoted(computed: settlement.Computed):
    split = computed.split
    parts = ("amount_fen", "fund_fen", "deductible_fen", "copay_fen", "b_self_first_fen", "self_pay_fen",
             "non_medical_fen", "cash_fen")
    return ((split.bill_fen, split.fund_fen, split.deductible_fen, split.copay_fen, split.b_self_first_fen,
             split.self_pay_fen, split.non_medical_fen, split.cash_fen), dict(split.payments),
            [(tuple(getattr(ln, p) for p in parts), dict(ln.payments)) for ln in split.lines],
            settlement.choice_to_json(computed.choice))


def _written(rt):
    return count(rt, Settlement), count(rt, LedgerTransaction), count(rt, AnnualAccumulator)


@pytest.fixture
def fam(rt):
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter, monthly_cap_fen=500_00)
    grant(rt, fam.mother, fam.daughter)
    binding = bindings.request_binding(rt, actor_of(fam.mother), fam.daughter.id)
    bindings.approve_binding(rt, actor_of(fam.daughter), binding.id)
    return fam


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bill=bills, earlier=st.lists(bills, max_size=2), via_mother=st.booleans())
def test_a_quote_equals_the_following_settlement(rt, fam, bill, earlier, via_mother):
    """Over random bills, after random earlier spending (the examples share one family, so the deductible, the
    grant's monthly cap and the balances are used up more and more): the quote is the settlement's split to
    the fen, line by line and pool by pool."""
    for lines in earlier:
        settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, lines)
    presenter = fam.mother if via_mother else fam.daughter
    code = codes.issue_code(rt, actor_of(presenter), fam.daughter.id).text
    partner = Actor(fam.pharmacy, Channel.GRAPHQL)
    before = _written(rt)
    quoted = settlement.quote(rt, partner, _bill(rt, code, bill, at=fam.pharmacy))
    assert _written(rt) == before
    settled = _settle(rt, fam.pharmacy, _bill(rt, code, bill), f"quote-{code[:20]}")
    assert _as_quoted(quoted) == _as_settled(rt, settled)
    assert_ledger_balanced(rt)


def test_a_quote_does_not_use_up_the_code_and_writes_nothing(rt):
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter)
    code = codes.issue_code(rt, actor_of(fam.daughter), fam.daughter.id).text
    partner = Actor(fam.pharmacy, Channel.GRAPHQL)
    bill = _bill(rt, code, [line("A", 150_00), line("C", 30_00, code="c")], at=fam.pharmacy)
    first = settlement.quote(rt, partner, bill)
    # Resident deductible 100.00, then 50% of 50.00 at a pharmacy, and List C: 155.00 from the father's grant.
    assert (first.split.deductible_fen, first.split.fund_fen, first.split.cash_fen) == (100_00, 25_00, 0)
    assert sum(first.split.payments.values()) == 155_00
    assert _as_quoted(settlement.quote(rt, partner, bill)) == _as_quoted(first)  # quoting twice is the same
    with rt.db.read() as s:
        assert s.exec(select(PresentedCode.status)).all() == ["live"]
        assert s.get(AnnualAccumulator, (fam.daughter.id, rt.clock.now().year)) is None
    assert balance(rt, fam.father) == 3_256_80


def test_a_spend_between_quote_and_settle_changes_the_settlement_and_it_is_still_right(rt):
    """The father's grant pays for his daughter; between her quote and her settlement her mother's code for the
    father's own bill empties his account. The settlement is then not the quote: it is the split of the accounts
    as they are when it settles (a fresh quote at that moment), and the ledger balances."""
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter)
    code = codes.issue_code(rt, actor_of(fam.daughter), fam.daughter.id).text
    partner = Actor(fam.pharmacy, Channel.GRAPHQL)
    bill = _bill(rt, code, [line("A", 150_00), line("C", 300_00, code="c")], at=fam.pharmacy)
    quoted = settlement.quote(rt, partner, bill)
    assert quoted.split.cash_fen == 0  # the grant covers the whole burden
    # The concurrent spend: the father's own bill, List C, takes all but 50.00 of his balance.
    settle_for(rt, fam.hospital, fam.father, fam.father, [line("C", 3_206_80)])
    assert balance(rt, fam.father) == 50_00
    requoted = settlement.quote(rt, partner, bill)
    settled = _settle(rt, fam.pharmacy, bill, "quote-then-spend")
    assert _as_quoted(requoted) == _as_settled(rt, settled) != _as_quoted(quoted)
    assert (requoted.split.cash_fen, sum(requoted.split.payments.values())) == (425_00 - 50_00, 50_00)
    assert balance(rt, fam.father) == 0
    assert_ledger_balanced(rt)


def test_a_quote_refuses_what_settle_refuses(rt):
    fam = jinan_family(rt)
    code = codes.issue_code(rt, actor_of(fam.daughter), fam.daughter.id).text
    partner = Actor(fam.pharmacy, Channel.GRAPHQL)
    with pytest.raises(DomainError) as refused:
        settlement.quote(rt, partner, _bill(rt, code, [line("A", 150_00)], allow_cash=False, at=fam.pharmacy))
    assert refused.value.code == ErrorCode.INSUFFICIENT_FUNDS
    _settle(rt, fam.pharmacy, _bill(rt, code, [line("A", 1_00)]), "used-it-up")
    with pytest.raises(DomainError) as refused:
        settlement.quote(rt, partner, _bill(rt, code, [line("A", 150_00)]))
    assert refused.value.code == ErrorCode.CODE_USED
