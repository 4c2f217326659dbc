"""Every transaction's happy path and its refusals, on each database."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from backend.storage.models import HsaMessage, HsaVisit, Refund, Settlement
from tests.hsa.conftest import drug, map_rows

pytestmark = pytest.mark.serializable

LINES = [drug(1, "A001", "12.00", 2, name="阿莫西林胶囊"), drug(2, "B001", "40.00", 1, "02"),
         drug(3, "C001", "30.00", 1, "03"), drug(4, "N001", "5.00", 1, "99")]
TOTAL = "99.00"


@pytest.fixture(autouse=True)
def mapped(gateway):
    """LINES' items mapped at both partners to the test catalogue's entry of their class (N001 unmapped)."""
    map_rows(gateway, LINES)
    map_rows(gateway, LINES, at="hospital")


def person(gateway, code):
    return gateway.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": code}})["output"]


def druginfo(psn_no, code, total=TOTAL, flag="1"):
    return {"psn_no": psn_no, "mdtrt_cert_type": "01", "mdtrt_cert_no": code, "med_type": "41",
            "medfee_sumamt": total, "insutype": "310", "acct_used_flag": flag}


def count(gateway, model):
    with gateway.rt.db.read() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_sign_in_and_out(gateway):
    first = gateway.send("9001", {"signIn": {"opter_no": "0001", "mac": "", "ip": ""}})["output"]["signinoutb"]
    again = gateway.send("9001", {"signIn": {"opter_no": "0001"}})["output"]["signinoutb"]
    other = gateway.send("9001", {"signIn": {"opter_no": "0002"}})["output"]["signinoutb"]
    assert first["sign_no"] == again["sign_no"] != other["sign_no"]
    code = gateway.code("张伟")
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    gateway.send("2101", {"druginfo": druginfo(psn_no, code), "drugdetail": LINES}, sign_no=first["sign_no"])
    gateway.send("9002", {"signOut": {"sign_no": first["sign_no"], "opter_no": "0001"}})
    refused = gateway.send("2101", {"druginfo": druginfo(psn_no, code), "drugdetail": LINES}, ok=False,
                           sign_no=first["sign_no"])
    assert refused["err_msg"].startswith("sign_no：")
    assert gateway.send("9002", {"signOut": {"sign_no": "S-nobody"}}, ok=False)["err_msg"].startswith("sign_no：")


def test_person_info_by_family_account_code(gateway):
    own = person(gateway, gateway.code("张小宝", "张小宝") if False else gateway.code("张伟", "张小宝"))
    assert own["baseinfo"]["psn_name"] == "张*宝" and own["insuinfo"][0]["insutype"] == "390"
    assert own["presenter"] == {"is_subject": False, "psn_name": "张*", "relationship": "PARENT"}
    assert "balc" not in own["insuinfo"][0] and own["baseinfo"]["certno"] == ""
    father = person(gateway, gateway.code("张伟"))
    assert father["baseinfo"]["psn_no"] != own["baseinfo"]["psn_no"]
    assert father["insuinfo"][0]["insutype"] == "310" and father["presenter"]["is_subject"] is True
    # The same person, another code: the same psn_no; another partner: another psn_no.
    assert person(gateway, gateway.code("张伟"))["baseinfo"]["psn_no"] == father["baseinfo"]["psn_no"]
    at_hospital = gateway.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": gateway.code("张伟")}},
                               at="hospital")["output"]
    assert at_hospital["baseinfo"]["psn_no"] != father["baseinfo"]["psn_no"]


def test_person_info_refuses_other_credentials_and_bad_codes(gateway):
    card = gateway.send("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "370102197803141012"}}, ok=False)
    assert card["err_msg"].startswith("mdtrt_cert_type：") and "身份证" in card["err_msg"]
    forged = gateway.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": "YB1NOTACODE"}}, ok=False)
    assert forged["err_msg"].startswith("mdtrt_cert_no：")


def test_pharmacy_day_family_code_pays_by_mutual_aid(gateway):
    code = gateway.code("张伟", "张小宝")  # the father shows his son's code: the son's grants pay (R11)
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    body = {"druginfo": druginfo(psn_no, code), "drugdetail": LINES}
    quote = gateway.send("2101", body)["output"]
    settled = gateway.send("2102", body)["output"]
    assert quote["setlinfo"] == {k: v for k, v in settled["setlinfo"].items()
                                 if k not in ("setl_id", "setl_time", "medins_setl_id")}
    info = settled["setlinfo"]
    assert info["insutype"] == "390" and info["clr_type"] == "41" and info["med_type"] == "41"
    assert info["acct_mulaid_pay"] == info["acct_pay"] > 0  # the son has no account of his own
    assert round(info["fund_pay_sumamt"] + info["psn_part_amt"], 2) == info["medfee_sumamt"] == 99.0
    assert round(info["acct_pay"] + info["psn_cash_pay"], 2) == info["psn_part_amt"]
    assert info["psn_cash_pay"] >= 5.0  # the non-medical line is cash
    assert [d["fund_pay_type"] for d in settled["setldetail"]] == ["390100", "310200"]
    assert "含家庭共济" in settled["setldetail"][1]["setl_proc_info"]
    # 2103 reverses it: every amount back, negative
    back = gateway.send("2103", {"data": {"setl_id": info["setl_id"], "psn_no": psn_no}})["output"]["setlinfo"]
    assert back["medfee_sumamt"] == -99.0 and back["acct_mulaid_pay"] == -info["acct_mulaid_pay"]
    again = gateway.send("2103", {"data": {"setl_id": info["setl_id"], "psn_no": psn_no}}, ok=False)
    assert again["err_msg"].startswith("setl_id：")


def test_cash_only_uses_no_account(gateway):
    code = gateway.code("张伟")
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    info = gateway.send("2102", {"druginfo": druginfo(psn_no, code, flag="0"), "drugdetail": LINES})["output"]["setlinfo"]
    assert info["acct_pay"] == 0 and info["psn_cash_pay"] == info["psn_part_amt"] > 0
    assert len(gateway.send("2101", {"druginfo": druginfo(psn_no, gateway.code("张伟"), flag="1"),
                                     "drugdetail": LINES})["output"]["setldetail"]) == 2


@pytest.mark.parametrize("change, field", [
    ({"medfee_sumamt": "98.99"}, "medfee_sumamt"), ({"medfee_sumamt": "99.001"}, "medfee_sumamt"),
    ({"acct_used_flag": "2"}, "acct_used_flag"), ({"med_type": "11"}, "med_type"),
    ({"psn_no": "SOMEONEELSE"}, "psn_no"), ({"mdtrt_cert_type": "03"}, "mdtrt_cert_type"),
])
def test_pharmacy_refusals_write_nothing(gateway, change, field):
    code = gateway.code("张伟")
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    info = {**druginfo(psn_no, code), **change}
    reply = gateway.send("2102", {"druginfo": info, "drugdetail": LINES}, ok=False)
    assert reply["err_msg"].startswith(f"{field}："), reply
    assert count(gateway, Settlement) == 0


@pytest.mark.parametrize("line, field", [
    ({"pric": "12.001"}, "drugdetail[1].pric"), ({"pric": 1e3}, "drugdetail[1].det_item_fee_sumamt"),
    ({"cnt": 1.5}, "drugdetail[1].cnt"), ({"det_item_fee_sumamt": "24.01"}, "drugdetail[1].det_item_fee_sumamt"),
    ({"chrgitm_lv": "07"}, "drugdetail[1].chrgitm_lv"), ({"medins_list_codg": ""}, "drugdetail[1].medins_list_codg"),
])
def test_line_refusals_name_the_line(gateway, line, field):
    code = gateway.code("张伟")
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    lines = [{**LINES[0], **line}, *LINES[1:]]
    reply = gateway.send("2102", {"druginfo": druginfo(psn_no, code), "drugdetail": lines}, ok=False)
    assert reply["err_msg"].startswith(f"{field}："), reply


def test_float_looking_amount_is_refused(gateway):
    code = gateway.code("张伟")
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    body = gateway.envelope("2102", {"druginfo": druginfo(psn_no, code), "drugdetail": LINES})
    raw = __import__("json").dumps(body, ensure_ascii=False).replace('"medfee_sumamt": "99.00"', '"medfee_sumamt": 9.9e1')
    reply = gateway.post(raw.encode())
    assert reply["infcode"] == -1 and reply["err_msg"].startswith("medfee_sumamt："), reply


def outpatient(gateway, presenter="张伟", subject=None, flag="1", at="hospital"):
    code = gateway.code(presenter, subject)
    psn_no = gateway.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": code}},
                          at=at)["output"]["baseinfo"]["psn_no"]
    visit = gateway.send("2201", {"mdtrtinfo": {"psn_no": psn_no, "insutype": "310", "begntime": "2026-03-02 17:00:00",
                                                "mdtrt_cert_type": "01", "mdtrt_cert_no": code, "med_type": "11",
                                                "ipt_otp_no": "MZ0001"}}, at=at)["output"]["data"]
    fees = [{**line, "mdtrt_id": visit["mdtrt_id"], "psn_no": psn_no, "chrg_bchno": "CB0001"} for line in LINES[:3]]
    uploaded = gateway.send("2204", {"feedetail": fees}, at=at)["output"]["result"]
    data = {"psn_no": psn_no, "mdtrt_cert_type": "01", "mdtrt_cert_no": code, "med_type": "11",
            "medfee_sumamt": "94.00", "psn_setlway": "01", "mdtrt_id": visit["mdtrt_id"], "chrg_bchno": "CB0001",
            "insutype": "310", "acct_used_flag": flag}
    return code, psn_no, visit, uploaded, data


def test_outpatient_visit_pre_settles_then_settles_the_same(gateway):
    _, psn_no, visit, uploaded, data = outpatient(gateway)
    assert visit["psn_no"] == psn_no and visit["mdtrt_id"].startswith("M")
    assert [row["chrgitm_lv"] for row in uploaded] == ["01", "02", "03"] and uploaded[0]["pric"] == 12.0
    quoted = gateway.send("2206", {"data": data}, at="hospital")["output"]
    settled = gateway.send("2207", {"data": {**data, "invono": "FP0001"}}, at="hospital")["output"]
    info = settled["setlinfo"]
    assert quoted["setlinfo"] == {k: v for k, v in info.items() if k not in ("setl_id", "setl_time", "medins_setl_id")}
    assert info["mdtrt_id"] == visit["mdtrt_id"] and info["clr_type"] == "11" and info["insutype"] == "310"
    assert info["acct_mulaid_pay"] == 0 and info["acct_pay"] > 0  # the father's own account
    with gateway.rt.db.read() as s:
        row = s.get(HsaVisit, visit["mdtrt_id"])
    assert row.settlement_id is not None
    twice = gateway.send("2207", {"data": {**data, "invono": "FP0002"}}, at="hospital", ok=False)
    assert twice["err_msg"].startswith("mdtrt_id：")
    back = gateway.send("2208", {"data": {"setl_id": info["setl_id"], "mdtrt_id": visit["mdtrt_id"], "psn_no": psn_no}},
                        at="hospital")["output"]["setlinfo"]
    assert back["medfee_sumamt"] == -94.0 and back["mdtrt_id"] == visit["mdtrt_id"]


def test_outpatient_refusals(gateway):
    code, psn_no, visit, _, data = outpatient(gateway)
    assert gateway.send("2207", {"data": {**data, "chrg_bchno": "OTHER"}}, at="hospital", ok=False)[
        "err_msg"].startswith("chrg_bchno：")
    assert gateway.send("2207", {"data": {**data, "mdtrt_id": "M-nope"}}, at="hospital", ok=False)[
        "err_msg"].startswith("mdtrt_id：")
    assert gateway.send("2207", {"data": {**data, "medfee_sumamt": "1.00"}}, at="hospital", ok=False)[
        "err_msg"].startswith("medfee_sumamt：")
    # another partner's visit is not found
    assert gateway.send("2207", {"data": data}, ok=False)["err_msg"].startswith("mdtrt_id：")
    # a second fee batch for the visit is refused
    fees = [{**LINES[0], "mdtrt_id": visit["mdtrt_id"], "psn_no": psn_no}]
    assert gateway.send("2204", {"feedetail": fees}, at="hospital", ok=False)["err_msg"].startswith("chrg_bchno：")
    # registering someone else's code under this psn_no is refused
    other = gateway.code("李娜")
    reply = gateway.send("2201", {"mdtrtinfo": {"psn_no": psn_no, "insutype": "310", "begntime": "2026-03-02 17:00:00",
                                                "mdtrt_cert_type": "01", "mdtrt_cert_no": other, "med_type": "11"}},
                         at="hospital", ok=False)
    assert reply["err_msg"].startswith("psn_no：")
    assert count(gateway, Settlement) == 0


def test_reversal_by_omsgid(gateway):
    _, psn_no, visit, _, data = outpatient(gateway)
    msgid = gateway.msgid("H37010200002")
    settled = gateway.send("2207", {"data": data}, at="hospital", msgid=msgid)["output"]["setlinfo"]
    wrong = gateway.send("2601", {"data": {"omsgid": msgid, "oinfno": "2102", "psn_no": psn_no}}, at="hospital", ok=False)
    assert wrong["err_msg"].startswith("omsgid：")
    back = gateway.send("2601", {"data": {"omsgid": msgid, "oinfno": "2207", "psn_no": psn_no}}, at="hospital")
    assert back["output"]["setlinfo"]["medfee_sumamt"] == -settled["medfee_sumamt"]
    assert count(gateway, Refund) == 1
    # a visit and a fee batch are reversed by their msgids too
    code = gateway.code("张伟")
    reg = gateway.msgid("H37010200002")
    visit = gateway.send("2201", {"mdtrtinfo": {"psn_no": psn_no, "insutype": "310", "begntime": "2026-03-02 17:00:00",
                                                "mdtrt_cert_type": "01", "mdtrt_cert_no": code, "med_type": "11"}},
                         at="hospital", msgid=reg)["output"]["data"]
    up = gateway.msgid("H37010200002")
    gateway.send("2204", {"feedetail": [{**LINES[0], "mdtrt_id": visit["mdtrt_id"], "psn_no": psn_no}]},
                 at="hospital", msgid=up)
    gateway.send("2601", {"data": {"omsgid": up, "oinfno": "2204", "psn_no": psn_no}}, at="hospital")
    gateway.send("2601", {"data": {"omsgid": reg, "oinfno": "2201", "psn_no": psn_no}}, at="hospital")
    with gateway.rt.db.read() as s:
        row = s.get(HsaVisit, visit["mdtrt_id"])
    assert row.cancelled_at is not None and row.chrg_bchno is None
    assert gateway.send("2601", {"data": {"omsgid": reg, "oinfno": "9001", "psn_no": psn_no}}, at="hospital",
                        ok=False)["err_msg"].startswith("oinfno：")


def test_same_msgid_same_body_answers_the_first_reply(gateway):
    code = gateway.code("张伟")
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    body = gateway.envelope("2102", {"druginfo": druginfo(psn_no, code), "drugdetail": LINES})
    first = gateway.client.post("/hsa/v1", json=body, headers={"Authorization": f"Bearer {gateway.keys['pharmacy']}"})
    again = gateway.client.post("/hsa/v1", json=body, headers={"Authorization": f"Bearer {gateway.keys['pharmacy']}"})
    assert first.json()["infcode"] == 0 and again.content == first.content
    assert count(gateway, Settlement) == 1
    changed = dict(body, input={"druginfo": druginfo(psn_no, code, flag="0"), "drugdetail": LINES})
    refused = gateway.post(changed)
    assert refused["infcode"] == -1 and refused["err_msg"].startswith("msgid：")
    assert count(gateway, Settlement) == 1
    with gateway.rt.db.read() as s:
        logged = s.exec(select(HsaMessage.kept, HsaMessage.infcode).where(HsaMessage.msgid == body["msgid"])).all()
    assert sorted(logged) == [(False, -1), (False, 0), (True, 0)]
    # a refusal is a first reply too
    bad = gateway.envelope("2102", {"druginfo": druginfo(psn_no, code, total="1.00"), "drugdetail": LINES})
    assert gateway.post(bad)["infcode"] == -1
    assert gateway.post(bad)["err_msg"].startswith("medfee_sumamt：")


def test_concurrent_replays_write_once(gateway):
    """The same 2102 sent six times at once: one settlement, one kept reply, six identical answers."""
    from concurrent.futures import ThreadPoolExecutor

    code = gateway.code("张伟", "张小宝")
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    body = gateway.envelope("2102", {"druginfo": druginfo(psn_no, code), "drugdetail": LINES})
    headers = {"Authorization": f"Bearer {gateway.keys['pharmacy']}"}
    with ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(lambda _: gateway.client.post("/hsa/v1", json=body, headers=headers).content, range(6)))
    assert len(set(replies)) == 1 and b'"infcode":0' in replies[0]
    assert count(gateway, Settlement) == 1
    with gateway.rt.db.read() as s:
        kept = s.exec(select(func.count()).select_from(HsaMessage).where(HsaMessage.kept)).one()
    assert kept == 2  # the 1101 and the 2102


def test_concurrent_replays_of_a_visit_register_it_once(gateway):
    from concurrent.futures import ThreadPoolExecutor

    code = gateway.code("张伟")
    psn_no = gateway.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": code}},
                          at="hospital")["output"]["baseinfo"]["psn_no"]
    body = gateway.envelope("2201", {"mdtrtinfo": {"psn_no": psn_no, "insutype": "310", "begntime": "2026-03-02 17:00:00",
                                                   "mdtrt_cert_type": "01", "mdtrt_cert_no": code, "med_type": "11"}},
                            at="hospital")
    headers = {"Authorization": f"Bearer {gateway.keys['hospital']}"}
    with ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(lambda _: gateway.client.post("/hsa/v1", json=body, headers=headers).content, range(6)))
    assert len(set(replies)) == 1 and b'"infcode":0' in replies[0]
    assert count(gateway, HsaVisit) == 1


SETTLE = """mutation($input: SettleInput!) { settle(input: $input) {
  __typename ... on OperationError { code message }
  ... on SettlementPayload { settlement { id billFen fundFen deductibleFen copayFen bSelfFirstFen selfPayFen
    nonMedicalFen ownAccountFen cashFen mutualAid { amountFen } } } } }"""
REFUND = """mutation($input: RefundInput!) { refundSettlement(input: $input) { __typename } }"""


def test_gateway_and_graphql_split_the_same_bill_alike(gateway):
    """The same bill through /graphql and through the gateway (the GraphQL one refunded first, so both
    start from the same balances and accumulators): the same split to the fen."""
    headers = {"Authorization": f"Bearer {gateway.keys['pharmacy']}"}
    lines = [{"itemCode": ln["medins_list_codg"], "name": ln["medins_list_name"],
              "category": {"01": "A", "02": "B", "03": "C", "99": "NON_MEDICAL"}[ln["chrgitm_lv"]],
              "unitPriceFen": int(round(float(ln["pric"]) * 100)), "quantity": ln["cnt"]} for ln in LINES]
    graph = gateway.client.post("/graphql", headers=headers, json={"query": SETTLE, "variables": {"input": {
        "code": gateway.code("张伟", "张小宝"), "visitType": "PHARMACY", "serviceDate": "2026-03-02",
        "idempotencyKey": "graph-compare-1", "lines": lines}}}).json()["data"]["settle"]["settlement"]
    refunded = gateway.client.post("/graphql", headers=headers, json={"query": REFUND, "variables": {"input": {
        "settlementId": graph["id"], "idempotencyKey": "graph-compare-refund"}}}).json()
    assert refunded["data"]["refundSettlement"]["__typename"] == "SettlementPayload"
    code = gateway.code("张伟", "张小宝")
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    info = gateway.send("2102", {"druginfo": druginfo(psn_no, code), "drugdetail": LINES})["output"]["setlinfo"]

    def fen(yuan):
        return round(yuan * 100)

    mutual_aid = sum(aid["amountFen"] for aid in graph["mutualAid"])
    assert fen(info["medfee_sumamt"]) == graph["billFen"]
    assert fen(info["fund_pay_sumamt"]) == fen(info["hifp_pay"]) == graph["fundFen"]
    assert fen(info["act_pay_dedc"]) == graph["deductibleFen"] and fen(info["pool_prop_selfpay"]) == graph["copayFen"]
    assert fen(info["preselfpay_amt"]) == graph["bSelfFirstFen"]
    assert fen(info["fulamt_ownpay_amt"]) == graph["selfPayFen"] + graph["nonMedicalFen"]
    assert fen(info["acct_mulaid_pay"]) == mutual_aid > 0
    assert fen(info["acct_pay"]) == graph["ownAccountFen"] + mutual_aid
    assert fen(info["psn_cash_pay"]) == graph["cashFen"]


def test_balc_follows_the_graphs_rule_for_the_balance(gateway, monkeypatch):
    """Partners may not read a balance (PersonalAccount.balanceFen), so setlinfo has no balc; were the rule
    to let every partner see it, balc would be the account's balance after the settlement."""
    from backend.graph.core.rules import ALLOW

    code = gateway.code("张伟")
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    info = gateway.send("2102", {"druginfo": druginfo(psn_no, code), "drugdetail": LINES})["output"]["setlinfo"]
    assert "balc" not in info
    rules = gateway.client.app.state.schema.rules
    row = rules.rows["PersonalAccount.balanceFen"]
    monkeypatch.setitem(rules.rows, "PersonalAccount.balanceFen", (row[0], ALLOW, row[2], row[3]))
    code = gateway.code("张伟")
    shown = gateway.send("2102", {"druginfo": druginfo(psn_no, code), "drugdetail": LINES})["output"]["setlinfo"]
    assert shown["balc"] == round(3256.80 - info["acct_pay"] - shown["acct_pay"], 2)


def test_a_settlement_checks_the_institution_code_in_its_own_transaction(gateway):
    """2102 skips the first read: the wrong institution code is refused inside the settlement's transaction,
    nothing is written, and the msgid stays free for the corrected message."""
    code = gateway.code("张伟")
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    msgid = gateway.msgid()
    wrong = gateway.send("2102", {"druginfo": druginfo(psn_no, code), "drugdetail": LINES}, ok=False, msgid=msgid,
                         fixmedins_code="H37010200002")
    assert wrong["err_msg"].startswith("fixmedins_code：") and count(gateway, Settlement) == 0
    gateway.send("2102", {"druginfo": druginfo(psn_no, code), "drugdetail": LINES}, msgid=msgid)
    assert count(gateway, Settlement) == 1


def test_an_over_limit_drug_reports_overlmt_selfpay(gateway):
    """A List B item priced above its entry's cap (50.00 a unit): the part above is overlmt_selfpay, in
    setlinfo and on its line in detlcutinfo, never paid by the fund; the class comes from the catalogue (no
    chrgitm_lv sent)."""
    from tests.money import CAP_FEN, CAPPED, map_capped

    map_capped(gateway.rt, gateway.institutions["历下区康宁大药房"].id, "CAP001")
    lines = [drug(1, "CAP001", "60.00", 2, None, "限价耗材"), LINES[0]]
    code = gateway.code("张伟")
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    output = gateway.send("2102", {"druginfo": druginfo(psn_no, code, "144.00"), "drugdetail": lines})["output"]
    info, (capped, plain) = output["setlinfo"], output["detlcutinfo"]
    assert info["overlmt_selfpay"] == capped["overlmt_selfpay"] == 20.0 and plain["overlmt_selfpay"] == 0
    assert capped["chrgitm_lv"] == "02" and capped["med_list_codg"] == CAPPED
    assert capped["pric_uplmt_amt"] == CAP_FEN / 100 and "pric_uplmt_amt" not in plain
    assert capped["preselfpay_amt"] == 20.0  # the entry's own 20% of the 100.00 within the cap
    assert round(capped["fulamt_ownpay_amt"] + capped["overlmt_selfpay"] + capped["preselfpay_amt"]
                 + capped["inscp_scp_amt"], 2) == capped["det_item_fee_sumamt"] == 120.0
    assert round(info["fulamt_ownpay_amt"] + info["overlmt_selfpay"] + info["preselfpay_amt"]
                 + info["inscp_scp_amt"], 2) == info["medfee_sumamt"] == 144.0
    assert round(info["fund_pay_sumamt"] + info["psn_part_amt"], 2) == 144.0 and info["psn_part_amt"] >= 20.0
    back = gateway.send("2103", {"data": {"setl_id": info["setl_id"], "psn_no": psn_no}})["output"]["setlinfo"]
    assert back["overlmt_selfpay"] == -20.0


def test_an_unmapped_item_is_cash_only(gateway):
    """An item without an approved mapping is outside the catalogue whatever chrgitm_lv the till sends: no
    fund, no account, only cash, and detlcutinfo says 99 with no national code."""
    lines = [drug(1, "NOT-MAPPED-1", "25.00", 2, "01", "未对照药品")]
    code = gateway.code("张伟", "张小宝")  # even where grants could pay
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    output = gateway.send("2102", {"druginfo": druginfo(psn_no, code, "50.00"), "drugdetail": lines})["output"]
    info, (line,) = output["setlinfo"], output["detlcutinfo"]
    assert info["fund_pay_sumamt"] == info["acct_pay"] == info["acct_mulaid_pay"] == 0
    assert info["psn_cash_pay"] == info["fulamt_ownpay_amt"] == info["medfee_sumamt"] == 50.0
    assert line == {"medins_list_codg": "NOT-MAPPED-1", "med_list_codg": "", "chrgitm_lv": "99",
                    "det_item_fee_sumamt": 50.0, "fulamt_ownpay_amt": 50.0, "overlmt_selfpay": 0.0,
                    "preselfpay_amt": 0.0, "inscp_scp_amt": 0.0, "fund_payamt": 0.0}
    assert [d["fund_payamt"] for d in output["setldetail"]] == [0.0]


@pytest.mark.parametrize("line, field, words", [
    ({"chrgitm_lv": "02"}, "drugdetail[1].chrgitm_lv", "目录"),
    ({"med_list_codg": "XJ01CAA037A0020107919"}, "drugdetail[1].med_list_codg", "XJ01CAA037A0020107919"),
])
def test_a_till_that_disagrees_with_the_catalogue_is_refused(gateway, line, field, words):
    code = gateway.code("张伟")
    psn_no = person(gateway, code)["baseinfo"]["psn_no"]
    lines = [{**LINES[0], **line}, *LINES[1:]]
    reply = gateway.send("2102", {"druginfo": druginfo(psn_no, code), "drugdetail": lines}, ok=False)
    assert reply["err_msg"].startswith(f"{field}：") and words in reply["err_msg"], reply
    assert count(gateway, Settlement) == 0


def test_policy_checks_name_the_wire_field(gateway):
    # A hospital cannot settle a pharmacy purchase (med_type 41).
    code = gateway.code("张伟")
    psn_no = gateway.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": code}},
                          at="hospital")["output"]["baseinfo"]["psn_no"]
    reply = gateway.send("2101", {"druginfo": druginfo(psn_no, code), "drugdetail": LINES}, at="hospital", ok=False)
    assert reply["err_msg"].startswith("med_type：") and "医院" in reply["err_msg"], reply
    # An outpatient visit is settled within 30 days of its begntime.
    _, _, _, _, data = outpatient(gateway)
    gateway.rt.clock.advance(days=31)
    reply = gateway.send("2206", {"data": {**data, "mdtrt_cert_no": gateway.code("张伟")}}, at="hospital", ok=False)
    assert reply["err_msg"].startswith("begntime：") and "30" in reply["err_msg"], reply
    assert count(gateway, Settlement) == 0
