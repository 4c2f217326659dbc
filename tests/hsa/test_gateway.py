"""The gateway's envelope, authentication, money on the wire and a pharmacy settlement."""

from __future__ import annotations

from tests.hsa.conftest import drug


def test_pharmacy_settles_with_own_account(gateway):
    code = gateway.code("张伟")
    person = gateway.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": code}})
    psn_no = person["output"]["baseinfo"]["psn_no"]
    assert person["output"]["baseinfo"]["psn_name"] == "张*"
    lines = [drug(1, "A001", "12.00", 2), drug(2, "C001", "30.00", 1, "03")]
    druginfo = {"psn_no": psn_no, "mdtrt_cert_type": "01", "mdtrt_cert_no": code, "med_type": "41",
                "medfee_sumamt": "54.00", "insutype": "310", "acct_used_flag": "1"}
    quote = gateway.send("2101", {"druginfo": druginfo, "drugdetail": lines})
    settled = gateway.send("2102", {"druginfo": druginfo, "drugdetail": lines})
    q, s = quote["output"]["setlinfo"], settled["output"]["setlinfo"]
    for name in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay", "acct_mulaid_pay"):
        assert q[name] == s[name], name
    assert s["medfee_sumamt"] == 54.0 and s["setl_id"] and s["clr_type"] == "41"
