"""Money on the wire: yuan with at most two decimals to exact fen, and back with two decimals."""

from __future__ import annotations

import json

import pytest

from web.hsa.wire import Number, Refused, Yuan, dumps, fen, parse


@pytest.mark.parametrize("value, expected", [
    ("12.30", 1230), ("12.3", 1230), ("12", 1200), (12, 1200), ("0.01", 1), ("0", 0), (" 7.05 ", 705),
    (Number("12.30"), 1230), (Number("0.10"), 10), ("99999999999999.99", 9_999_999_999_999_999),
])
def test_yuan_to_fen_is_exact(value, expected):
    assert fen(value, "pric") == expected


@pytest.mark.parametrize("value", ["12.345", Number("1e3"), Number("1E3"), Number("1.5e2"), "-1.00", "1,000.00",
                                   "¥12", "", None, True, 12.5, "012.00", "NaN", Number("0.001"), [], {}])
def test_refused_amounts_name_the_field(value):
    with pytest.raises(Refused) as refused:
        fen(value, "drugdetail[2].pric")
    assert refused.value.field == "drugdetail[2].pric"


def test_json_numbers_keep_what_the_partner_wrote():
    data = parse(b'{"a": 0.1, "b": 1e3, "c": 7}')
    assert data["a"] == "0.1" and isinstance(data["a"], Number) and data["b"] == "1e3" and data["c"] == 7
    with pytest.raises(Refused):
        parse(b'{"a": NaN}')
    with pytest.raises(Refused):
        parse(b"[1, 2]")
    with pytest.raises(Refused):
        parse("{\"a\": 1}".encode("utf-16"))


def test_amounts_go_out_with_two_decimals():
    text = dumps({"acct_pay": Yuan(1230), "cash": Yuan(5), "back": Yuan(-100), "zero": Yuan(0), "name": "张*"})
    assert text == '{"acct_pay":12.30,"cash":0.05,"back":-1.00,"zero":0.00,"name":"张*"}'
    assert json.loads(text)["acct_pay"] == 12.3
