"""CSV cells that a spreadsheet would run as formulas are written as text."""

import csv
import io

import pytest

from backend.domain.phone import normalize_phone
from backend.domain.search import SearchKind, classify
from backend.domain.spreadsheet import csv_row, safe_cell


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"http://x\")", "+86139", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_get_an_apostrophe(dangerous):
    assert safe_cell(dangerous) == "'" + dangerous
    [cells] = csv.reader(io.StringIO(csv_row([dangerous, 3])))
    assert cells == ["'" + dangerous, "3"]


def test_other_cells_are_left_alone():
    assert csv_row(["王伟", 12, None, "a=b"]) == "王伟,12,,a=b\r\n"


def test_search_and_import_normalize_phones_alike():
    assert classify("+86 139-0531-9993").text == normalize_phone("+86 139-0531-9993") == "13905319993"
    assert classify("+86 139-0531-9993").kind is SearchKind.PHONE
