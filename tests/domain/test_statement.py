"""The yearly statement's arithmetic: every fen of the year's lines lands once in the totals, once in a
month and once at an institution; other years' lines and bad years are refused or left out."""

import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.statement import Burden, PaidLine, RelativeAid, check_year, statement

FATHER, MOTHER = uuid.UUID(int=1), uuid.UUID(int=2)
PHARMACY, HOSPITAL = uuid.UUID(int=10), uuid.UUID(int=11)


def _line(day, place=PHARMACY, own=0, aid=(), cash=0):
    name = "药房" if place == PHARMACY else "医院"
    return PaidLine(day, place, name, own, tuple(aid), cash)


def test_a_year_is_split_by_payer_by_month_and_by_institution():
    lines = [_line(date(2026, 1, 5), own=30_00, cash=5_00),
             _line(date(2026, 1, 20), HOSPITAL, aid=[RelativeAid(FATHER, "张伟", 200_00)], cash=80_00),
             _line(date(2026, 3, 2), HOSPITAL, aid=[RelativeAid(FATHER, "张伟", 10_00), RelativeAid(MOTHER, "李娜", 40_00)]),
             _line(date(2025, 12, 31), own=999_00)]  # another year
    s = statement(2026, lines)
    assert s.total == Burden(30_00, (RelativeAid(FATHER, "张伟", 210_00), RelativeAid(MOTHER, "李娜", 40_00)), 85_00)
    assert s.total.total_fen == 365_00 and s.total.mutual_aid_fen == 250_00
    assert [m.month for m in s.months] == list(range(1, 13))
    assert s.months[0].burden.total_fen == 315_00 and s.months[2].burden.total_fen == 50_00
    assert all(m.burden == Burden() for m in s.months if m.month not in (1, 3))
    assert [(p.institution_name, p.burden.total_fen) for p in s.institutions] == [("医院", 330_00), ("药房", 35_00)]


def test_an_empty_year_has_twelve_empty_months_and_no_institution():
    s = statement(2026, [])
    assert s.total.total_fen == 0 and len(s.months) == 12 and s.institutions == ()


@pytest.mark.parametrize("year", [1999, 2027, -1])
def test_a_year_before_2000_or_not_yet_begun_is_refused(year):
    with pytest.raises(DomainError) as refused:
        check_year(year, date(2026, 3, 2))
    assert refused.value.code is ErrorCode.STATEMENT_YEAR_INVALID and refused.value.field == "year"
    assert refused.value.params == {"first": 2000, "last": 2026}


def test_this_year_and_earlier_ones_are_accepted():
    assert check_year(2026, date(2026, 1, 1)) == 2026 and check_year(2000, date(2026, 1, 1)) == 2000


amounts = st.integers(min_value=0, max_value=10**7)
paid_lines = st.lists(st.builds(
    _line, st.dates(date(2025, 12, 1), date(2027, 1, 31)), st.sampled_from([PHARMACY, HOSPITAL]), amounts,
    st.lists(st.builds(RelativeAid, st.sampled_from([FATHER, MOTHER]), st.just("亲属"), amounts), max_size=2), amounts),
    max_size=30)


@given(paid_lines)
def test_every_fen_of_the_year_is_counted_once_in_each_view(lines):
    s = statement(2026, lines)
    mine = [ln for ln in lines if ln.service_date.year == 2026]
    expected = sum(ln.own_account_fen + ln.cash_fen + sum(a.amount_fen for a in ln.aid) for ln in mine)
    assert s.total.total_fen == expected
    assert sum(m.burden.total_fen for m in s.months) == expected
    assert sum(p.burden.total_fen for p in s.institutions) == expected
    for view in (s.total, *(m.burden for m in s.months), *(p.burden for p in s.institutions)):
        assert view.total_fen == view.own_account_fen + view.mutual_aid_fen + view.cash_fen


def test_the_part_above_price_caps_is_shown_apart_within_the_burden():
    over = PaidLine(date(2026, 2, 1), PHARMACY, "药房", 30_00, (), 10_00, overlmt_selfpay_fen=24_40)
    s = statement(2026, [over, _line(date(2026, 2, 3), own=5_00)])
    assert (s.total.total_fen, s.total.overlmt_selfpay_fen) == (45_00, 24_40)
    assert s.months[1].burden.overlmt_selfpay_fen == 24_40 and s.institutions[0].burden.overlmt_selfpay_fen == 24_40
