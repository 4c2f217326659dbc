"""3201 totals and 3202 detail reconciliation with 9101 upload and 9102 download, on each database."""

from __future__ import annotations

import base64
import csv
import io
import uuid

import pytest

from tests.hsa.conftest import drug
from web.hsa.mapping import setl_id

pytestmark = pytest.mark.serializable


def _pharmacy_sale(gateway, presenter, subject=None, lines=None):
    code = gateway.code(presenter, subject)
    psn_no = gateway.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": code}})["output"]["baseinfo"]["psn_no"]
    lines = lines or [drug(1, "A001", "12.00", 2), drug(2, "C001", "30.00", 1, "03")]
    total = f"{sum(float(ln['det_item_fee_sumamt']) for ln in lines):.2f}"
    info = {"psn_no": psn_no, "mdtrt_cert_type": "01", "mdtrt_cert_no": code, "med_type": "41", "medfee_sumamt": total,
            "insutype": "310", "acct_used_flag": "1"}
    return gateway.send("2102", {"druginfo": info, "drugdetail": lines})["output"]["setlinfo"]


def _day(gateway):
    """Two sales by the father (310) and one by the son (390) on 2 March; the clock then moves to 3 March."""
    sales = [_pharmacy_sale(gateway, "张伟"), _pharmacy_sale(gateway, "张伟"), _pharmacy_sale(gateway, "张伟", "张小宝")]
    gateway.rt.clock.advance(days=1)
    return sales


def _totals(gateway, sales, insutype="310", **change):
    mine = [s for s in sales if s["insutype"] == insutype]
    data = {"insutype": insutype, "clr_type": "41", "setl_optins": "370102", "stmt_begndate": "2026-03-02",
            "stmt_enddate": "2026-03-02", "medfee_sumamt": f"{sum(s['medfee_sumamt'] for s in mine):.2f}",
            "fund_pay_sumamt": f"{sum(s['fund_pay_sumamt'] for s in mine):.2f}",
            "acct_pay": f"{sum(s['acct_pay'] for s in mine):.2f}", "fixmedins_setl_cnt": str(len(mine)),
            "refd_setl_flag": "1", **change}
    return gateway.send("3201", {"data": data})


def test_totals_balance_or_not(gateway):
    sales = _day(gateway)
    assert _totals(gateway, sales)["output"]["stmtinfo"] == {"setl_optins": "370102", "stmt_rslt": "0",
                                                            "stmt_rslt_dscr": "平衡。"}
    assert _totals(gateway, sales, "390")["output"]["stmtinfo"]["stmt_rslt"] == "0"
    off = _totals(gateway, sales, fixmedins_setl_cnt="3")["output"]["stmtinfo"]
    assert off["stmt_rslt"] == "1" and "2 笔" in off["stmt_rslt_dscr"] and "3 笔" in off["stmt_rslt_dscr"]


def test_totals_refusals(gateway):
    sales = _day(gateway)
    for change, field in (({"stmt_enddate": "2026-03-03"}, "stmt_enddate"), ({"insutype": "320"}, "insutype"),
                          ({"clr_type": "99"}, "clr_type"), ({"acct_pay": "1.234"}, "acct_pay"),
                          ({"stmt_begndate": "2026/03/01"}, "stmt_begndate"), ({"fixmedins_setl_cnt": "-1"}, "fixmedins_setl_cnt")):
        reply = gateway.send("3201", {"data": {**_totals_input(sales), **change}}, ok=False)
        assert reply["err_msg"].startswith(f"{field}："), (field, reply["err_msg"])


def _totals_input(sales):
    mine = [s for s in sales if s["insutype"] == "310"]
    return {"insutype": "310", "clr_type": "41", "setl_optins": "370102", "stmt_begndate": "2026-03-02",
            "stmt_enddate": "2026-03-02", "medfee_sumamt": f"{sum(s['medfee_sumamt'] for s in mine):.2f}",
            "fund_pay_sumamt": "0.00", "acct_pay": "0.00", "fixmedins_setl_cnt": str(len(mine))}


def _file(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "refd_setl_flag"])
    writer.writerows(rows)
    return base64.b64encode(out.getvalue().encode("gb18030")).decode()


def _row(sale, **change):
    row = {"setl_id": sale["setl_id"], "mdtrt_id": "", "psn_no": sale["psn_no"], "medfee_sumamt": f"{sale['medfee_sumamt']:.2f}",
           "fund_pay_sumamt": f"{sale['fund_pay_sumamt']:.2f}", "acct_pay": f"{sale['acct_pay']:.2f}", "refd_setl_flag": "0"}
    row.update(change)
    return list(row.values())


def test_detail_with_one_mismatch(gateway):
    first, second, third = _day(gateway)
    stranger = setl_id(uuid.uuid4())
    rows = [_row(first), _row(second, acct_pay="0.01"), [stranger, "", "X", "10.00", "0.00", "0.00", "0"]]
    uploaded = gateway.send("9101", {"fsUploadIn": {"in": _file(rows), "filename": "detail.csv",
                                                    "fixmedins_code": "P37010200001"}})["output"]
    total = f"{first['medfee_sumamt'] + second['medfee_sumamt'] + 10:.2f}"
    fund = f"{first['fund_pay_sumamt'] + second['fund_pay_sumamt']:.2f}"
    reply = gateway.send("3202", {"data": {"setl_optins": "370102", "file_qury_no": uploaded["file_qury_no"],
                                           "stmt_begndate": "2026-03-02", "stmt_enddate": "2026-03-02",
                                           "medfee_sumamt": total, "fund_pay_sumamt": fund, "cash_payamt": "0.00",
                                           "fixmedins_setl_cnt": "3"}})["output"]
    assert reply["stmt_rslt_cnt"] == {"0": 1, "1": 1, "2": 1, "3": 1}
    file = gateway.send("9102", {"fsDownloadIn": {"file_qury_no": reply["fileinfo"]["file_qury_no"],
                                                  "filename": reply["fileinfo"]["filename"]}})["output"]
    result = list(csv.DictReader(io.StringIO(base64.b64decode(file["file"]).decode())))
    by_id = {r["setl_id"]: r for r in result}
    assert by_id[first["setl_id"]]["stmt_rslt"] == "0" and by_id[first["setl_id"]]["psn_no"] == first["psn_no"]
    assert by_id[first["setl_id"]]["msgid"].startswith("P37010200001")
    assert by_id[second["setl_id"]]["stmt_rslt"] == "3" and "account" in by_id[second["setl_id"]]["memo"]
    assert by_id[third["setl_id"]]["stmt_rslt"] == "1"
    assert by_id[stranger]["stmt_rslt"] == "2" and by_id[stranger]["psn_no"] == "X"
    # another partner cannot fetch it
    other = gateway.send("9102", {"fsDownloadIn": {"file_qury_no": reply["fileinfo"]["file_qury_no"]}}, at="hospital",
                         ok=False)
    assert other["err_msg"].startswith("file_qury_no：")


def test_a_malformed_file_is_refused_by_row_and_column(gateway):
    sale = _day(gateway)[0]
    rows = [_row(sale), _row(sale, setl_id="not-an-id"), _row(sale, medfee_sumamt="1.234")]
    reply = gateway.send("9101", {"fsUploadIn": {"in": _file(rows), "filename": "bad.csv"}}, ok=False)
    assert reply["err_msg"].startswith("fsUploadIn.in：") and "setl_id" in reply["err_msg"] and "3" in reply["err_msg"]
    assert gateway.send("9101", {"fsUploadIn": {"in": "###", "filename": "x.csv"}}, ok=False)[
        "err_msg"].startswith("fsUploadIn.in：")
