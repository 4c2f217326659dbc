"""Reconciliation's pure rules: the range, the comparison, the detail file's rows and ids."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.reconciliation import (
    DetailOutcome,
    DetailRow,
    Figures,
    Side,
    check_range,
    check_row,
    compare_totals,
    duplicates,
    net_of_refunds,
    outcome_of,
    parse_settlement_id,
    read_header,
    settlement_global_id,
)
from backend.graph.core.ids import to_global_id

pytestmark = pytest.mark.one_database
TODAY = date(2026, 3, 10)


@pytest.mark.parametrize("first, last, field", [(date(2026, 3, 9), date(2026, 3, 8), "last"),
                                                (date(2026, 3, 9), TODAY, "last"),
                                                (date(2025, 3, 1), date(2026, 3, 9), "first")])
def test_only_past_days_up_to_a_year(first, last, field):
    with pytest.raises(DomainError) as refused:
        check_range(first, last, TODAY)
    assert (refused.value.code, refused.value.field) == (ErrorCode.RECONCILE_RANGE_INVALID, field)
    check_range(date(2025, 3, 10), date(2026, 3, 9), TODAY)  # 365 days, all past


def test_totals_balance_only_when_every_figure_agrees():
    ours = Figures(2, 340_00, 98_00, 242_00)
    assert compare_totals(ours, ours).balanced
    result = compare_totals(ours, Figures(2, 340_00, 98_01, 242_00))
    assert not result.balanced and result.difference == Figures(0, 0, 1, 0)
    assert net_of_refunds(ours, Figures(1, 40_00, 28_00, 12_00)) == Figures(3, 300_00, 70_00, 230_00)


def test_each_settlement_gets_one_outcome_naming_what_differs():
    ours = Side(100, 60, 40, False)
    assert outcome_of(ours, None) == (DetailOutcome.ONLY_OURS, ())
    assert outcome_of(None, ours) == (DetailOutcome.ONLY_THEIRS, ())
    assert outcome_of(ours, ours) == (DetailOutcome.BALANCED, ())
    assert outcome_of(ours, Side(101, 60, 40, True)) == (DetailOutcome.DIFFERENT, ("bill", "refunded"))


def test_settlement_ids_are_the_graphs_or_bare_uuids():
    key = uuid.uuid4()
    assert settlement_global_id(key) == to_global_id("Settlement", key)
    assert parse_settlement_id(to_global_id("Settlement", key)) == key
    assert parse_settlement_id(str(key)) == key
    assert parse_settlement_id(to_global_id("Person", key)) is None
    assert parse_settlement_id("not an id") is None


def test_a_row_is_checked_column_by_column():
    header = read_header(["结算ID", "medfee_sumamt", "fund_yuan", "acct_pay", "refd_setl_flag", "visit_id"])
    assert not header.errors and header.synonyms == {}
    key = uuid.uuid4()
    row, errors = check_row(2, [str(key), "12.50", "0", "¥12.50", "是", "V1"], header, 6)
    assert errors == [] and row == DetailRow(key, 1250, 0, 1250, True, "V1", None, 2)
    row, errors = check_row(3, ["x", "-1", "", "1.234", "maybe", "v" * 81], header, 6)
    assert row is None
    assert [(e.column, e.code) for e in errors] == [
        ("settlement_id", "SETTLEMENT_ID"), ("bill_yuan", "AMOUNT"), ("fund_yuan", "AMOUNT"),
        ("account_yuan", "AMOUNT"), ("refunded", "FLAG"), ("visit_id", "REFERENCE_TOO_LONG")]
    assert check_row(4, ["only one"], header, 6)[1][0].code == "FIELD_COUNT"
    missing = read_header(["settlement_id", "bill_yuan", "whatever"])
    assert {(e.column, e.code) for e in missing.errors} == {
        ("", "UNKNOWN_COLUMN"), ("fund_yuan", "MISSING_COLUMN"), ("account_yuan", "MISSING_COLUMN"),
        ("refunded", "MISSING_COLUMN")}


def test_a_settlement_listed_twice_names_the_first_row():
    key = uuid.uuid4()
    rows = [DetailRow(key, 1, 0, 1, False, row=2), DetailRow(uuid.uuid4(), 1, 0, 1, False, row=3),
            DetailRow(key, 1, 0, 1, False, row=4)]
    [twice] = duplicates(rows)
    assert (twice.row, twice.column, twice.params) == (4, "settlement_id", {"other": 2})
