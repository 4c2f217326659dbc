"""A pharmacy's point-of-sale system (HIS) running one day against the HSA gateway, POST /hsa/v1.

    .venv/bin/python docs/examples/his_client.py http://127.0.0.1:8000 day
    .venv/bin/python docs/examples/his_client.py http://127.0.0.1:8000 reconcile   # the next morning

On demo data (`make run`). `day` signs the cashier in (9001), then for each customer scans the code shown
on a phone (here the demo family's apps ask for one), reads the person (1101), pre-settles (2101), settles
(2102); one customer changes their mind and the sale is reversed (2103); the cashier signs out (9002). The
till's own record of the day is kept in a ledger file. `reconcile`, run on a later day, checks the day's
totals (3201, one call per insurance type) and then the detail (9101 upload, 3202, 9102 download), with
one sale the till recorded wrongly, which comes back as stmt_rslt 3.

`--clock` gives the time to write in inf_time (China time), for a service whose clock is not the wall
clock's (the tests' frozen clock); by default the wall clock's.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import itertools
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

CHINA = timezone(timedelta(hours=8))
PHARMACY_KEY = "yb_c16d7bec2676_09acf00cf538eba810fc50cd513830a003fd1ddc"  # demo data only
INSTITUTION_CODE = "P37010200001"
SERIAL = itertools.count(1)

# The shelf: (the pharmacy's own item code, name, unit price in yuan). The demo pharmacy's codes, each mapped
# to a national code in the catalogue (backend/demo.py): the mapping decides the class (amoxicillin List A,
# oseltamivir List B with a price cap of 36.00, so 4.00 of 40.00 is over-limit self-pay, vitamin C List C).
# A till may also send med_list_codg and chrgitm_lv, which are only checked; this one sends neither.
SHELF = {"amoxicillin": ("86900001", "阿莫西林胶囊", "12.00"),
         "oseltamivir": ("86900004", "奥司他韦胶囊", "40.00"),
         "vitamin_c": ("86900005", "维生素C片", "30.00")}
# Customers: whose phone shows the code, and whose code it is (a family account shows a relative's).
CUSTOMERS = [("13800000001", "张伟", {"amoxicillin": 2}),                   # his own code: his own account pays
             ("13800000001", "张小宝", {"amoxicillin": 1, "oseltamivir": 1}),  # his son's code: the son's grants pay
             ("13800000002", "李娜", {"vitamin_c": 1}),                      # changes her mind: reversed
             ("13800000001", "王秀英", {"oseltamivir": 1, "vitamin_c": 1})]    # his mother's code


class Till:
    def __init__(self, base: str, clock: str | None) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {PHARMACY_KEY}"}, timeout=30)
        self.clock = datetime.strptime(clock, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA) if clock else None
        self.sign_no = ""

    def now(self) -> datetime:
        return self.clock or datetime.now(CHINA)

    def send(self, infno: str, input: dict, *, msgid: str | None = None) -> dict:
        at = self.now()
        envelope = {"infno": infno, "msgid": msgid or f"{INSTITUTION_CODE}{at:%Y%m%d%H%M%S}{next(SERIAL):04d}",
                    "mdtrtarea_admvs": "370102", "insuplc_admdvs": "", "recer_sys_code": "YBXT", "dev_no": "",
                    "dev_safe_info": "", "cainfo": "", "signtype": "", "infver": "V1.0", "opter_type": "1",
                    "opter": "0001", "opter_name": "收款员甲", "inf_time": f"{at:%Y-%m-%d %H:%M:%S}",
                    "fixmedins_code": INSTITUTION_CODE, "fixmedins_name": "历下区康宁大药房", "sign_no": self.sign_no,
                    "input": input}
        reply = self.http.post("/hsa/v1", json=envelope).json()
        if reply["infcode"] != 0:
            raise SystemExit(f"{infno} refused: {reply['err_msg']}")
        return reply["output"]


def code_on_the_phone(base: str, phone: str, name: str) -> str:
    """What the customer's app shows: a code for themselves or for a relative they hold a binding for."""
    token = httpx.post(f"{base}/auth/token", json={"username": phone, "password": "demo1234"}).json()["access_token"]

    def graphql(query: str, **variables) -> dict:
        return httpx.post(f"{base}/graphql", json={"query": query, "variables": variables},
                          headers={"Authorization": f"Bearer {token}"}).json()["data"]

    me = graphql("""{ viewer { ... on Person { id name heldBindings { edges { node { subject { id name } } } } } } }""")
    viewer = me["viewer"]
    subject = viewer["id"] if viewer["name"] == name else next(
        e["node"]["subject"]["id"] for e in viewer["heldBindings"]["edges"] if e["node"]["subject"]["name"] == name)
    issued = graphql("""mutation($id: ID!) { issueCode(input: {subjectId: $id}) {
        ... on IssuedCodePayload { issuedCode { text } } ... on OperationError { code message } } }""", id=subject)
    return issued["issueCode"]["issuedCode"]["text"]


def day(till: Till, ledger: Path) -> None:
    till.sign_no = till.send("9001", {"signIn": {"opter_no": "0001", "mac": "", "ip": ""}})["signinoutb"]["sign_no"]
    print("signed in:", till.sign_no)
    sales = []
    for phone, name, basket in CUSTOMERS:
        code = code_on_the_phone(till.base, phone, name)
        person = till.send("1101", {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": code}})
        base, insu = person["baseinfo"], person["insuinfo"][0]
        lines = []
        for number, (item, count) in enumerate(basket.items(), start=1):
            codg, item_name, price = SHELF[item]
            total = f"{int(price.replace('.', '')) * count / 100:.2f}"
            lines.append({"feedetl_sn": f"{number:04d}", "medins_list_codg": codg, "medins_list_name": item_name,
                          "pric": price, "cnt": count, "det_item_fee_sumamt": total})
        druginfo = {"psn_no": base["psn_no"], "mdtrt_cert_type": "01", "mdtrt_cert_no": code, "med_type": "41",
                    "medfee_sumamt": f"{sum(float(ln['det_item_fee_sumamt']) for ln in lines):.2f}",
                    "insutype": insu["insutype"], "acct_used_flag": "1"}
        quote = till.send("2101", {"druginfo": druginfo, "drugdetail": lines})["setlinfo"]
        print(f"{base['psn_name']} ({insu['insutype']}): pay {quote['psn_cash_pay']:.2f} cash of {quote['medfee_sumamt']:.2f}")
        settled = till.send("2102", {"druginfo": druginfo, "drugdetail": lines})["setlinfo"]
        shown = ("setl_id", "fund_pay_sumamt", "acct_pay", "acct_mulaid_pay", "psn_cash_pay", "overlmt_selfpay")
        print("  settled", json.dumps({k: settled[k] for k in shown}, ensure_ascii=False))
        sales.append({"settled": settled, "reversed": None})
    back = till.send("2103", {"data": {"setl_id": sales[2]["settled"]["setl_id"],
                                       "psn_no": sales[2]["settled"]["psn_no"]}})["setlinfo"]
    sales[2]["reversed"] = back
    print("reversed:", sales[2]["settled"]["setl_id"], back["medfee_sumamt"])
    till.send("9002", {"signOut": {"sign_no": till.sign_no, "opter_no": "0001"}})
    ledger.write_text(json.dumps({"day": f"{till.now():%Y-%m-%d}", "sales": sales}, ensure_ascii=False, indent=1))
    print("signed out; ledger:", ledger)


def _yuan(value: float) -> str:
    return f"{value:.2f}"


def reconcile(till: Till, ledger: Path) -> None:
    record = json.loads(ledger.read_text())
    sales, on = record["sales"], record["day"]
    for insutype in sorted({s["settled"]["insutype"] for s in sales}):
        mine = [s for s in sales if s["settled"]["insutype"] == insutype]
        records = [s["settled"] for s in mine] + [s["reversed"] for s in mine if s["reversed"]]
        totals = till.send("3201", {"data": {
            "insutype": insutype, "clr_type": "41", "setl_optins": "370102", "stmt_begndate": on, "stmt_enddate": on,
            "medfee_sumamt": _yuan(sum(r["medfee_sumamt"] for r in records)),
            "fund_pay_sumamt": _yuan(sum(r["fund_pay_sumamt"] for r in records)),
            "acct_pay": _yuan(sum(r["acct_pay"] for r in records)), "fixmedins_setl_cnt": str(len(records)),
            "refd_setl_flag": "1"}})["stmtinfo"]
        print(f"3201 {insutype}:", totals["stmt_rslt"], totals["stmt_rslt_dscr"])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "refd_setl_flag"])
    for number, sale in enumerate(sales):
        s = sale["settled"]
        acct = s["acct_pay"] + (1.00 if number == 1 else 0)  # the till recorded one sale wrongly
        writer.writerow([s["setl_id"], "", s["psn_no"], _yuan(s["medfee_sumamt"]), _yuan(s["fund_pay_sumamt"]),
                         _yuan(acct), "1" if sale["reversed"] else "0"])
    uploaded = till.send("9101", {"fsUploadIn": {"in": base64.b64encode(out.getvalue().encode()).decode(),
                                                 "filename": f"detail_{on}.csv", "fixmedins_code": INSTITUTION_CODE}})
    detail = till.send("3202", {"data": {
        "setl_optins": "370102", "file_qury_no": uploaded["file_qury_no"], "stmt_begndate": on, "stmt_enddate": on,
        "medfee_sumamt": _yuan(sum(s["settled"]["medfee_sumamt"] for s in sales)),
        "fund_pay_sumamt": _yuan(sum(s["settled"]["fund_pay_sumamt"] for s in sales)), "cash_payamt": "0.00",
        "fixmedins_setl_cnt": str(len(sales))}})
    fetched = till.send("9102", {"fsDownloadIn": {"file_qury_no": detail["fileinfo"]["file_qury_no"],
                                                  "filename": detail["fileinfo"]["filename"]}})
    print("3202:", json.dumps(detail["stmt_rslt_cnt"]))
    for row in csv.DictReader(io.StringIO(base64.b64decode(fetched["file"]).decode())):
        print(f"  {row['setl_id']} stmt_rslt={row['stmt_rslt']} {row['memo']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", nargs="?", default="http://127.0.0.1:8000")
    parser.add_argument("step", choices=("day", "reconcile"))
    parser.add_argument("--clock", help="inf_time to send, yyyy-MM-dd HH:mm:ss China time (default: now)")
    parser.add_argument("--ledger", type=Path, default=Path("pharmacy_day.json"), help="the till's record of the day")
    args = parser.parse_args()
    till = Till(args.base, args.clock)
    (day if args.step == "day" else reconcile)(till, args.ledger)


if __name__ == "__main__":
    main()
