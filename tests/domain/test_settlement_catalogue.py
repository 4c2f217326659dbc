"""R18 in the arithmetic: the catalogue's class, List B share and price cap decide; items outside the
catalogue are cash only. Worked examples, the till's word checked, the policy checks, and properties."""

import uuid
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.domain.catalogue import CatalogueItem, ItemClass, ItemKind
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.settlement import BillLine, Category, Pool, VisitType, YearToDate, check_policy, split_bill
from tests.money import SAMPLES, assert_split_adds_up

JINAN = SAMPLES["SAMPLE Jinan 2026"]
MET = YearToDate(deductible_used_fen=JINAN.deductible_fen["employee"])


def item(cls="A", cap=None, share=None, code="XN0001"):
    return CatalogueItem(uuid.uuid4(), code, "阿莫西林胶囊", ItemKind.DRUG, ItemClass(cls), share, cap)


def settle(lines, catalogue, pools=(), visit=VisitType.OUTPATIENT, ytd=MET):
    return split_bill(lines, JINAN, catalogue=catalogue, insurance_type="employee", visit_type=visit, level=3,
                      ytd=ytd, pools=list(pools))


def test_the_part_above_the_cap_is_over_limit_self_pay_that_accounts_may_pay_and_the_fund_never():
    # 3 boxes at 15.00 with a cap of 12.00: 9.00 over the limit; 36.00 within it, class A.
    split = settle([BillLine("amx", "阿莫西林", None, 15_00, 3)], {"amx": item("A", cap=12_00)}, [Pool("own", 100_00)])
    (ln,) = split.lines
    assert (ln.overlmt_selfpay_fen, ln.item_class, split.overlmt_selfpay_fen) == (9_00, Category.A, 9_00)
    assert ln.fund_fen == 36_00 * 7000 // 10000 == 25_20
    assert ln.copay_fen == 10_80 and split.personal_burden_fen == 10_80 + 9_00
    assert split.payments == {"own": 19_80} and split.cash_fen == 0


def test_a_price_within_the_cap_has_nothing_over_the_limit():
    split = settle([BillLine("amx", "阿莫西林", Category.A, 12_00, 2)], {"amx": item("A", cap=12_00)})
    assert split.overlmt_selfpay_fen == 0 and split.fund_fen == 16_80


def test_an_item_without_an_approved_mapping_is_cash_only_whatever_the_till_calls_it():
    split = settle([BillLine("new", "新药", Category.A, 50_00, 1)], {}, [Pool("own", 1_000_00)])
    (ln,) = split.lines
    assert (ln.item_class, ln.item, ln.fund_fen, dict(ln.payments), ln.cash_fen) == (Category.NON_MEDICAL, None, 0, {},
                                                                                      50_00)


def test_the_class_comes_from_the_catalogue_not_the_till():
    split = settle([BillLine("amx", "阿莫西林", None, 100_00, 1)], {"amx": item("C")})
    assert (split.fund_fen, split.self_pay_fen, split.lines[0].item_class) == (0, 100_00, Category.C)


def test_an_entrys_own_b_share_replaces_the_regions():
    # The region's 10% and an entry's own 20%, each rounded on its own total.
    split = settle([BillLine("b1", "b1", None, 100_00, 1), BillLine("b2", "b2", None, 100_00, 1)],
                   {"b1": item("B", code="B1"), "b2": item("B", share=2000, code="B2")})
    assert [ln.b_self_first_fen for ln in split.lines] == [10_00, 20_00] and split.b_self_first_fen == 30_00


@pytest.mark.parametrize(("sent", "code"), [(Category.B, ErrorCode.LINE_CATEGORY_MISMATCH),
                                            (Category.NON_MEDICAL, ErrorCode.LINE_CATEGORY_MISMATCH)])
def test_a_till_that_disagrees_with_the_catalogue_is_refused_naming_the_line(sent, code):
    lines = [BillLine("ok", "ok", None, 10_00, 1), BillLine("amx", "阿莫西林", sent, 10_00, 1)]
    with pytest.raises(DomainError) as refused:
        settle(lines, {"ok": item("A", code="OK"), "amx": item("A")})
    assert (refused.value.code, refused.value.params["line"], refused.value.params["expected"]) == (code, 2, "A")


def test_a_national_code_must_be_the_approved_mappings():
    with pytest.raises(DomainError) as refused:
        settle([BillLine("amx", "阿莫西林", None, 10_00, 1, national_code="XN9999")], {"amx": item("A")})
    assert refused.value.code is ErrorCode.LINE_NATIONAL_CODE_MISMATCH and refused.value.params["line"] == 1
    agreed = settle([BillLine("amx", "阿莫西林", Category.A, 10_00, 1, national_code="XN0001")], {"amx": item("A")})
    assert agreed.lines[0].item.national_code == "XN0001"


def test_the_policy_checks():
    today = date(2026, 12, 7)
    check_policy(service_date=date(2026, 11, 7), today=today, visit_type=VisitType.PHARMACY,
                 institution_kind="pharmacy", days_limit=30, visit_allowed=None)
    with pytest.raises(DomainError) as old:
        check_policy(service_date=date(2026, 11, 6), today=today, visit_type=VisitType.PHARMACY,
                     institution_kind="pharmacy", days_limit=30, visit_allowed=1)
    assert old.value.code is ErrorCode.SERVICE_DATE_TOO_OLD and old.value.params["days"] == 30
    with pytest.raises(DomainError) as kind:
        check_policy(service_date=today, today=today, visit_type=VisitType.PHARMACY, institution_kind="hospital",
                     days_limit=None, visit_allowed=0)
    assert kind.value.code is ErrorCode.VISIT_TYPE_NOT_OFFERED and kind.value.field == "visitType"


# Properties: any lines over any catalogue (mapped or not, any class, share and cap).
entries = st.builds(lambda cls, cap, share: item(cls, cap, share if cls == "B" else None),
                    st.sampled_from("ABC"), st.none() | st.integers(0, 300_000), st.none() | st.integers(0, 10_000))
bills = st.lists(st.tuples(st.integers(1, 500_000), st.integers(1, 20), st.none() | entries), min_size=1, max_size=12)
pools_strategy = st.lists(st.integers(0, 3_000_000), max_size=3).map(
    lambda amounts: [Pool(f"p{i}", a) for i, a in enumerate(amounts)])


@settings(max_examples=300, deadline=None)
@given(bill=bills, pools=pools_strategy, visit=st.sampled_from(VisitType), ded_used=st.integers(0, 30_000),
       fund_paid=st.integers(0, 40_000_000), insurance=st.sampled_from(["employee", "resident"]))
def test_parts_add_up_nothing_above_a_cap_reaches_the_fund_and_unmapped_lines_reach_no_account(
        bill, pools, visit, ded_used, fund_paid, insurance):
    lines = [BillLine(f"i{n}", "item", None, price, qty) for n, (price, qty, _) in enumerate(bill)]
    catalogue = {f"i{n}": entry for n, (_, _, entry) in enumerate(bill) if entry is not None}
    ytd = YearToDate(ded_used, fund_paid)
    split = split_bill(lines, JINAN, catalogue=catalogue, insurance_type=insurance, visit_type=visit, level=2,
                       ytd=ytd, pools=pools)
    assert_split_adds_up(split, lines, pools, JINAN, insurance, ytd)
    for ln, part in zip(lines, split.lines, strict=True):
        entry = catalogue.get(ln.item_code)
        if entry is None:  # outside the catalogue: neither the fund nor any account
            assert (part.fund_fen, dict(part.payments), part.cash_fen) == (0, {}, ln.amount_fen)
            assert part.item_class is Category.NON_MEDICAL and part.overlmt_selfpay_fen == 0
            continue
        capped = ln.unit_price_fen if entry.price_cap_fen is None else min(ln.unit_price_fen, entry.price_cap_fen)
        assert part.overlmt_selfpay_fen == (ln.unit_price_fen - capped) * ln.quantity
        assert part.fund_fen <= capped * ln.quantity  # nothing above a cap reaches the fund
        assert part.fund_fen + part.deductible_fen + part.copay_fen + part.b_self_first_fen + part.self_pay_fen \
            == capped * ln.quantity
        assert part.item_class.value == entry.item_class.value and part.non_medical_fen == 0
