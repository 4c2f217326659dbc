"""Reading a partner's detail file: encodings, and problems by row and column (nothing else happens)."""

from __future__ import annotations

import uuid

import pytest

from backend.domain.reconciliation import settlement_global_id
from backend.services.reconciliation.detail_file import read_detail_file, result_rows
from backend.services.reconciliation.reconcile import DetailFileInvalid

pytestmark = pytest.mark.one_database
HEADER = "settlement_id,bill_yuan,fund_yuan,account_yuan,refunded\n"


def _problems(path, encoding=None) -> list[tuple]:
    with pytest.raises(DetailFileInvalid) as refused:
        read_detail_file(path, encoding)
    return [(p.row, p.column, p.code) for p in refused.value.file_problems]


def test_utf8_with_a_byte_order_mark_and_gb18030_read_alike(tmp_path):
    key = uuid.uuid4()
    text = "结算ID,医疗费总额,基金支付总额,个人账户支付金额,退费结算标志\n" f"{settlement_global_id(key)},10.00,6.00,4.00,0\n"
    utf8, gb = tmp_path / "u.csv", tmp_path / "g.csv"
    utf8.write_bytes(b"\xef\xbb\xbf" + text.encode())
    gb.write_bytes(text.encode("gb18030"))
    assert read_detail_file(utf8) == read_detail_file(gb)
    assert read_detail_file(gb)[0].settlement_id == key


def test_a_bad_file_is_refused_by_row_and_column(tmp_path):
    empty, broken, twice = tmp_path / "e.csv", tmp_path / "b.csv", tmp_path / "t.csv"
    empty.write_text("")
    assert _problems(empty) == [(1, "", "EMPTY_FILE")]
    broken.write_bytes(HEADER.encode() + f"{uuid.uuid4()},1,1,0,0\n".encode() + b"\xff\xfe,1,1,0,0\n")
    # Decoding reads ahead, so the row is where reading stopped, at or before the bad bytes (as for rosters).
    [(row, column, code)] = _problems(broken, "utf-8")
    assert (column, code) == ("", "ENCODING") and row <= 3
    key = uuid.uuid4()
    twice.write_text(HEADER + f"{key},1,1,0,0\n{key},1,1,0,0\n")
    assert _problems(twice) == [(3, "settlement_id", "DUPLICATE_SETTLEMENT")]


def test_result_cells_cannot_run_as_formulas():
    from backend.domain.reconciliation import DetailOutcome, DetailResult, Side

    row = DetailResult(uuid.uuid4(), DetailOutcome.ONLY_THEIRS, None, Side(100, 0, 100, False),
                       visit_id="=HYPERLINK(1)", person="@x")
    header, line = list(result_rows([row]))
    assert header.startswith("settlement_id,visit_id,person,result,memo")
    assert ",'=HYPERLINK(1),'@x,2,,,,,,1.00,0.00,1.00,0" in line
