"""docs/examples/hsa/: one request and its reply per transaction, checked against the gateway, so the docs
cannot drift. Values that differ on every run (codes, msgids, numbers the service draws, times) are
written as <placeholders>; everything else must match exactly.

    HSA_EXAMPLES_WRITE=1 .venv/bin/pytest tests/hsa/test_examples.py -k sqlite   # rewrite them
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import uuid

import pytest

from backend.config import PROJECT_ROOT
from tests.helpers import SAMPLE_CODES, approve_mappings
from tests.hsa.conftest import drug
from web.hsa.mapping import setl_id

pytestmark = pytest.mark.serializable

EXAMPLES = PROJECT_ROOT / "docs" / "examples" / "hsa"
# Fields whose value changes from run to run, shown as <field>.
VARYING = {"msgid", "omsgid", "inf_time", "inf_refmsgid", "refmsg_time", "respond_time", "mdtrt_cert_no", "psn_no",
           "setl_id", "mdtrt_id", "sign_no", "sign_time", "setl_time", "medins_setl_id", "file_qury_no", "dld_endtime",
           "filename", "file", "in", "chrg_bchno"}


def _placeheld(value, key=None):
    if isinstance(value, dict):
        return {k: _placeheld(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeheld(v, key) for v in value]
    if key in VARYING and value not in ("", None):
        return f"<{key}>"
    return value


def _written(example: dict) -> str:
    """As the wire writes it: amounts (the only non-integer numbers) with two decimals."""
    def mark(value):
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return f"\u0000{value:.2f}" if isinstance(value, float) else value
    text = json.dumps(mark(example), ensure_ascii=False, indent=2)
    return re.sub(r'"\\u0000(-?[0-9]+\.[0-9]{2})"', r"\1", text) + "\n"


def _check(name: str, request: dict, reply: dict) -> None:
    example = {"request": _placeheld(request), "reply": _placeheld(reply)}
    path = EXAMPLES / f"{name}.json"
    if os.environ.get("HSA_EXAMPLES_WRITE"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_written(example), encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == example, f"{path.name} is stale"


def _exchange(gateway, name, infno, input, at="pharmacy", **envelope):
    request = gateway.envelope(infno, input, at=at, **envelope)
    reply = gateway.post(request, at=at)
    assert reply["infcode"] == 0, reply
    _check(name, request, reply)
    return reply["output"]


def test_every_transaction_has_its_example(gateway):
    sign = _exchange(gateway, "9001_sign_in", "9001", {"signIn": {"opter_no": "0001", "mac": "", "ip": ""}})
    sign_no = sign["signinoutb"]["sign_no"]
    code = gateway.code("张伟", "张小宝")
    person = _exchange(gateway, "1101_person_info", "1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": code,
                                                                     "card_sn": "", "begntime": "", "psn_cert_type": "",
                                                                     "certno": "", "psn_name": ""}})
    psn_no = person["baseinfo"]["psn_no"]
    # The items, mapped by both partners to the sample catalogue (a List A drug under its price cap, a List B
    # drug without one, a List C one); the lines send their national codes and classes, which are checked.
    items = {"86900123000017": SAMPLE_CODES["A_CAPPED"], "86900123000024": SAMPLE_CODES["B_UNCAPPED"],
             "86900123000031": SAMPLE_CODES["C"]}
    for partner in ("历下区康宁大药房", "济南市第一人民医院"):
        approve_mappings(gateway.rt, gateway.institutions[partner].id, items)
    lines = [drug(1, "86900123000017", "12.00", 2, name="阿莫西林胶囊", national=SAMPLE_CODES["A_CAPPED"]),
             drug(2, "86900123000024", "40.00", 1, "02", "呋喃妥因肠溶片", SAMPLE_CODES["B_UNCAPPED"]),
             drug(3, "86900123000031", "30.00", 1, "03", "维生素C片", SAMPLE_CODES["C"])]
    druginfo = {"psn_no": psn_no, "mdtrt_cert_type": "01", "mdtrt_cert_no": code, "med_type": "41",
                "medfee_sumamt": "94.00", "insutype": "390", "acct_used_flag": "1"}
    _exchange(gateway, "2101_pharmacy_pre_settle", "2101", {"druginfo": druginfo, "drugdetail": lines}, sign_no=sign_no)
    sale_msgid = gateway.msgid()
    sold = _exchange(gateway, "2102_pharmacy_settle", "2102", {"druginfo": druginfo, "drugdetail": lines},
                     sign_no=sign_no, msgid=sale_msgid)
    _exchange(gateway, "2103_pharmacy_reverse", "2103",
              {"data": {"setl_id": sold["setlinfo"]["setl_id"], "psn_no": psn_no}}, sign_no=sign_no)
    # the hospital's outpatient visit
    code = gateway.code("张伟")
    psn_no = gateway.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": code}},
                          at="hospital")["output"]["baseinfo"]["psn_no"]
    visit = _exchange(gateway, "2201_register", "2201", {"mdtrtinfo": {
        "psn_no": psn_no, "insutype": "310", "begntime": "2026-03-02 17:20:00", "mdtrt_cert_type": "01",
        "mdtrt_cert_no": code, "med_type": "11", "ipt_otp_no": "MZ20260302001", "atddr_no": "D001", "dr_name": "刘医生",
        "dept_code": "A03", "dept_name": "内科", "caty": "A03"}}, at="hospital")["data"]
    fees = [{**line, "mdtrt_id": visit["mdtrt_id"], "psn_no": psn_no, "chrg_bchno": "CB20260302001",
             "fee_ocur_time": "2026-03-02 17:25:00"} for line in lines]
    _exchange(gateway, "2204_fee_detail", "2204", {"feedetail": fees}, at="hospital")
    data = {"psn_no": psn_no, "mdtrt_cert_type": "01", "mdtrt_cert_no": code, "med_type": "11", "medfee_sumamt": "94.00",
            "psn_setlway": "01", "mdtrt_id": visit["mdtrt_id"], "chrg_bchno": "CB20260302001", "insutype": "310",
            "acct_used_flag": "1"}
    _exchange(gateway, "2206_pre_settle", "2206", {"data": data}, at="hospital")
    settled = _exchange(gateway, "2207_settle", "2207", {"data": {**data, "invono": "FP20260302001",
                                                                  "fulamt_ownpay_amt": "30.00", "overlmt_selfpay": "0.00",
                                                                  "preselfpay_amt": "4.00", "inscp_scp_amt": "60.00"}},
                        at="hospital")["setlinfo"]
    _exchange(gateway, "2208_reverse_settlement", "2208", {"data": {"setl_id": settled["setl_id"],
                                                                    "mdtrt_id": visit["mdtrt_id"], "psn_no": psn_no}},
              at="hospital")
    # 2601: a second sale reversed by its msgid
    code = gateway.code("张伟")
    psn_no = gateway.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": code}})["output"]["baseinfo"]["psn_no"]
    druginfo = {**druginfo, "psn_no": psn_no, "mdtrt_cert_no": code, "insutype": "310"}
    second = gateway.msgid()
    kept = gateway.send("2102", {"druginfo": druginfo, "drugdetail": lines}, msgid=second)["output"]["setlinfo"]
    _exchange(gateway, "2601_reverse_by_msgid", "2601", {"data": {"omsgid": second, "oinfno": "2102", "psn_no": psn_no}})
    code = gateway.code("张伟")
    kept = gateway.send("2102", {"druginfo": {**druginfo, "mdtrt_cert_no": code}, "drugdetail": lines})["output"]["setlinfo"]
    _exchange(gateway, "9002_sign_out", "9002", {"signOut": {"sign_no": sign_no, "opter_no": "0001"}})
    # the next morning: reconcile 2 March
    gateway.rt.clock.advance(days=1)
    _exchange(gateway, "3201_totals", "3201", {"data": {
        "insutype": "310", "clr_type": "41", "setl_optins": "370102", "stmt_begndate": "2026-03-02",
        "stmt_enddate": "2026-03-02", "medfee_sumamt": f"{kept['medfee_sumamt']:.2f}",
        "fund_pay_sumamt": f"{kept['fund_pay_sumamt']:.2f}", "acct_pay": f"{kept['acct_pay']:.2f}",
        "fixmedins_setl_cnt": "1", "refd_setl_flag": "1"}})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "refd_setl_flag"])
    writer.writerow([kept["setl_id"], "", psn_no, "94.00", f"{kept['fund_pay_sumamt']:.2f}", "0.00", "0"])
    writer.writerow([setl_id(uuid.UUID(int=7)), "", "", "10.00", "0.00", "0.00", "0"])
    uploaded = _exchange(gateway, "9101_upload", "9101", {"fsUploadIn": {
        "in": base64.b64encode(out.getvalue().encode()).decode(), "filename": "detail_20260302.csv",
        "fixmedins_code": "P37010200001"}})
    result = _exchange(gateway, "3202_detail", "3202", {"data": {
        "setl_optins": "370102", "file_qury_no": uploaded["file_qury_no"], "stmt_begndate": "2026-03-02",
        "stmt_enddate": "2026-03-02", "medfee_sumamt": "104.00", "fund_pay_sumamt": f"{kept['fund_pay_sumamt']:.2f}",
        "cash_payamt": "0.00", "fixmedins_setl_cnt": "2"}})
    _exchange(gateway, "9102_download", "9102", {"fsDownloadIn": {"file_qury_no": result["fileinfo"]["file_qury_no"],
                                                                  "filename": result["fileinfo"]["filename"],
                                                                  "fixmedins_code": "P37010200001"}})
    assert sorted(p.stem for p in EXAMPLES.glob("*.json")) == sorted(
        ["9001_sign_in", "9002_sign_out", "1101_person_info", "2101_pharmacy_pre_settle", "2102_pharmacy_settle",
         "2103_pharmacy_reverse", "2201_register", "2204_fee_detail", "2206_pre_settle", "2207_settle",
         "2208_reverse_settlement", "2601_reverse_by_msgid", "3201_totals", "9101_upload", "3202_detail",
         "9102_download"])


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_the_his_client_runs_a_pharmacy_day(live_server, rt, tmp_path):
    """docs/examples/his_client.py against a served app: a day's sales, and the next morning's reconciliation."""
    import subprocess
    import sys

    from backend.clock import CHINA

    def run(*args):
        at = rt.clock.now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
        return subprocess.run([sys.executable, str(PROJECT_ROOT / "docs/examples/his_client.py"), live_server, *args,
                               "--clock", at, "--ledger", str(tmp_path / "day.json")],
                              capture_output=True, text=True, timeout=120, check=True).stdout

    sold = run("day")
    assert "signed in: S" in sold and sold.count("  settled") == 4 and "reversed:" in sold
    assert '"acct_mulaid_pay": 52.0' in sold  # the son's code, shown by his father: his grants paid (R11)
    assert '"acct_pay": 24.0, "acct_mulaid_pay": 0.0' in sold  # the father's own account
    assert sold.count('"overlmt_selfpay": 4.0') == 2  # oseltamivir at 40.00, its cap 36.00 (the demo catalogue)
    rt.clock.advance(days=1)
    checked = run("reconcile")
    if os.environ.get("HSA_SHOW_DAY"):
        print(sold, checked)
    assert "3201 310: 0 平衡。" in checked and "3201 390: 0 平衡。" in checked
    assert checked.count("stmt_rslt=0") == 3 and checked.count("stmt_rslt=3") == 1 and "account" in checked
