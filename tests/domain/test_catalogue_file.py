"""A catalogue file's rows, checked in the domain: columns by their English or Chinese names, values in the
insurer's words, problems by column, the digest that tells the same version again."""

from datetime import date

import pytest

from backend.domain.catalogue import ItemClass, ItemKind
from backend.domain.catalogue_file import COLUMNS, check_mapping_row, check_row, is_comment, parse_date

pytestmark = pytest.mark.one_database

HEADER = ["国家医保编码", "名称", "目录类别", "甲乙类", "先行自付比例", "最高限价", "开始日期", "结束日期"]
POSITIONS = COLUMNS.read_header(HEADER).positions


def _row(*fields):
    return check_row(2, list(fields), POSITIONS, len(HEADER))


@pytest.mark.parametrize("text, day", [("2026-07-01", date(2026, 7, 1)), ("2026/7/1", date(2026, 7, 1)),
                                       ("20260701", date(2026, 7, 1)), ("2026-02-30", None), ("July", None)])
def test_dates_in_the_usual_forms(text, day):
    assert parse_date(text) == day


def test_a_good_row_in_the_insurers_words():
    row, errors = _row("XJ01", "阿莫西林", "中成药", "乙类", "12.5%", "¥1,200.50", "2026-01-01", "")
    assert errors == []
    assert (row.kind, row.item_class, row.b_self_first_bp, row.price_cap_fen, row.valid_to) == \
        (ItemKind.DRUG, ItemClass.B, 1250, 120050, None)
    same, _ = _row("XJ01", "阿莫西林", "药品", "B", "12.50", "1200.5", "2026-01-01", "2026-12-31")
    assert same.digest == row.digest  # the end date is not part of what a version says
    other, _ = _row("XJ01", "阿莫西林", "药品", "B", "12.50", "1200.4", "2026-01-01", "")
    assert other.digest != row.digest


def test_every_problem_of_a_row_by_column():
    _, errors = _row("X J", "", "食品", "甲", "101", "abc", "", "2025-01-01")
    assert {(e.column, e.code) for e in errors} == {
        ("national_code", "CODE_FORMAT"), ("name", "NAME_REQUIRED"), ("kind", "KIND_UNKNOWN"),
        ("b_self_first_percent", "PERCENT"), ("price_cap_yuan", "AMOUNT"), ("valid_from", "REQUIRED")}
    _, errors = _row("X1", "名", "耗材", "丙类", "5", "", "2026-01-01", "2025-12-31")
    assert {(e.column, e.code) for e in errors} == {("b_self_first_percent", "SHARE_NOT_B"), ("valid_to", "DATES_ORDER")}
    _, errors = check_row(3, ["X1", "名"], POSITIONS, len(HEADER))
    assert [(e.code, e.params) for e in errors] == [("FIELD_COUNT", {"found": 2, "expected": 8})]


def test_comments_and_a_mapping_row():
    assert is_comment(["# SAMPLE"]) and is_comment(["\ufeff#x"]) and not is_comment(["X#1"])
    row, errors = check_mapping_row(2, [" P-1 ", "XJ01", ""], {"item_code": 0, "national_code": 1, "item_name": 2}, 3,
                                    item_code_max=40, item_name_max=100)
    assert errors == [] and (row.item_code, row.national_code, row.item_name) == ("P-1", "XJ01", None)
    _, errors = check_mapping_row(2, ["x" * 41, "", "名" * 101], {"item_code": 0, "national_code": 1, "item_name": 2}, 3,
                                  item_code_max=40, item_name_max=100)
    assert [e.code for e in errors] == ["ITEM_CODE_FORMAT", "REQUIRED", "NAME_FORMAT"]
