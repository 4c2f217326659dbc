"""R7 arithmetic and the R8 waterfall: worked examples and properties (hypothesis)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.domain.errors import DomainError
from backend.domain.money import allocate, fund_side
from backend.domain.settlement import BillLine, Category, Pool, VisitType, YearToDate, split_bill
from tests.money import SAMPLES, assert_split_adds_up, catalogue_of

JINAN = SAMPLES["SAMPLE Jinan 2026"]
ZIBO = SAMPLES["SAMPLE Shandong 2026 (outside Jinan)"]
MET = YearToDate(deductible_used_fen=JINAN.deductible_fen["employee"])


def line(category, fen, qty=1, code="X"):
    return BillLine(code, code, Category(category), fen, qty)


def split_with(lines, params, **kw):
    """Split a bill whose item codes the catalogue classes as the lines say (NON_MEDICAL: unmapped)."""
    return split_bill(lines, params, catalogue=catalogue_of(lines), **kw)


def test_the_samples_are_labelled_as_samples():
    assert all(label.startswith("SAMPLE") for label in SAMPLES)
    assert JINAN.region_prefix == "3701" and ZIBO.region_prefix == "37"


def test_an_employee_parent_pays_from_own_account_once_the_deductible_is_met():
    lines = [line("A", 100_00, code="a"), line("B", 50_00, code="b"), line("C", 30_00, code="c"),
             line("NON_MEDICAL", 20_00, code="n")]
    split = split_with(lines, JINAN, insurance_type="employee", visit_type=VisitType.OUTPATIENT, level=3, ytd=MET,
                       pools=[Pool("own", 3_256_80)])
    # B: 10% self-pay-first (5.00); covered 100 + 45 = 145.00; fund 70% = 101.50; co-pay 43.50.
    assert (split.b_self_first_fen, split.deductible_fen, split.fund_fen, split.copay_fen) == (500, 0, 10150, 4350)
    assert split.personal_burden_fen == 30_00 + 500 + 4350 == 7850
    assert split.payments == {"own": 7850} and split.cash_fen == 20_00
    assert [(s.fund_fen, s.copay_fen, s.b_self_first_fen, s.payments.get("own", 0), s.cash_fen) for s in split.lines] == [
        (7000, 3000, 0, 3000, 0), (3150, 1350, 500, 1850, 0), (0, 0, 0, 3000, 0), (0, 0, 0, 0, 2000)]


def test_the_deductible_comes_off_first_and_is_personal_burden():
    split = split_with([line("A", 300_00)], JINAN, insurance_type="employee", visit_type=VisitType.OUTPATIENT,
                       level=3, ytd=YearToDate(deductible_used_fen=150_00), pools=[])
    # 50.00 of deductible left; fund 70% of 250.00 = 175.00; co-pay 75.00; all burden in cash.
    assert (split.deductible_fen, split.fund_fen, split.copay_fen, split.cash_fen) == (50_00, 175_00, 75_00, 125_00)


def test_a_resident_child_is_paid_by_a_parents_grant():
    split = split_with([line("A", 80_00)], JINAN, insurance_type="resident", visit_type=VisitType.PHARMACY, level=0,
                       ytd=YearToDate(deductible_used_fen=100_00), pools=[Pool("grant:father", 1_000_00)])
    assert (split.fund_fen, split.payments, split.cash_fen) == (40_00, {"grant:father": 40_00}, 0)


def test_two_grantors_pay_in_the_childs_chosen_order():
    pools = [Pool("grant:mother", 30_00), Pool("grant:father", 1_000_00)]
    split = split_with([line("C", 100_00)], JINAN, insurance_type="resident", visit_type=VisitType.PHARMACY, level=0,
                       ytd=YearToDate(), pools=pools)
    assert split.payments == {"grant:mother": 30_00, "grant:father": 70_00} and split.cash_fen == 0
    reversed_order = split_with([line("C", 100_00)], JINAN, insurance_type="resident",
                                visit_type=VisitType.PHARMACY, level=0, ytd=YearToDate(), pools=pools[::-1])
    assert reversed_order.payments == {"grant:father": 100_00}


def test_non_medical_lines_are_cash_only_whatever_the_pools_hold():
    split = split_with([line("NON_MEDICAL", 15_00)], JINAN, insurance_type="employee",
                       visit_type=VisitType.PHARMACY, level=0, ytd=MET, pools=[Pool("own", 1_000_00)])
    assert (split.fund_fen, split.payments, split.cash_fen) == (0, {}, 15_00)


def test_the_fund_never_exceeds_its_remaining_annual_cap():
    cap = JINAN.annual_fund_cap_fen["employee"]
    split = split_with([line("A", 1_000_00)], JINAN, insurance_type="employee", visit_type=VisitType.INPATIENT,
                       level=1, ytd=YearToDate(deductible_used_fen=20000, fund_paid_fen=cap - 10_00), pools=[])
    assert split.fund_fen == 10_00 and split.copay_fen == 990_00


def test_ratio_splits_round_the_funds_side_down():
    assert fund_side(333, 7000) == 233 and fund_side(1, 9999) == 0
    split = split_with([line("A", 333)], JINAN, insurance_type="employee", visit_type=VisitType.OUTPATIENT, level=3,
                       ytd=MET, pools=[])
    assert (split.fund_fen, split.copay_fen) == (233, 100)


def test_largest_remainder_gives_ties_to_earlier_lines_and_adds_up():
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(10, [0, 5, 5]) == [0, 5, 5]
    assert allocate(0, [0, 0]) == [0, 0]


@pytest.mark.parametrize("bad", [[], [line("A", 100, qty=0)], [line("A", -1)], [line("A", 0)]])
def test_bad_bills_are_refused(bad):
    with pytest.raises(DomainError):
        split_with(bad, JINAN, insurance_type="employee", visit_type=VisitType.OUTPATIENT, level=1, ytd=MET, pools=[])


lines_strategy = st.lists(
    st.builds(lambda code, category, price, qty: BillLine(f"{category.value}-{code}", "item", category, price, qty),
              st.text("abc", min_size=1, max_size=3), st.sampled_from(Category), st.integers(1, 500_000),
              st.integers(1, 20)),
    min_size=1, max_size=12)
pools_strategy = st.lists(st.integers(0, 3_000_000), max_size=4).map(
    lambda amounts: [Pool(f"p{i}", a) for i, a in enumerate(amounts)])


@settings(max_examples=300, deadline=None)
@given(lines=lines_strategy, pools=pools_strategy, insurance=st.sampled_from(["employee", "resident"]),
       visit=st.sampled_from(VisitType), level=st.integers(0, 3),
       ded_used=st.integers(0, 30_000), fund_paid=st.integers(0, 40_000_000),
       region=st.sampled_from(["370102", "370303"]))
def test_every_fen_is_accounted_for(lines, pools, insurance, visit, level, ded_used, fund_paid, region):
    params = JINAN if region.startswith("3701") else ZIBO
    split = split_with(lines, params, insurance_type=insurance, visit_type=visit, level=level,
                       ytd=YearToDate(ded_used, fund_paid), pools=pools)
    assert_split_adds_up(split, lines, pools, params, insurance, YearToDate(ded_used, fund_paid))


@given(total=st.integers(0, 10_000_000), weights=st.lists(st.integers(0, 1_000_000), min_size=1, max_size=20))
def test_allocation_adds_up_and_stays_within_each_weight(total, weights):
    if sum(weights) == 0:
        return
    total = min(total, sum(weights))
    parts = allocate(total, weights)
    assert sum(parts) == total and all(0 <= p <= w for p, w in zip(parts, weights, strict=True))
