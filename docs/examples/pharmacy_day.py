"""A pharmacy's day at the till, end to end against `make run` (demo data): what a point-of-sale client does.

    .venv/bin/python docs/examples/pharmacy_day.py [PORT or BASE URL]      (default: 8000)

1. Ring up first, scan last: the cashier enters the bill, and only then asks for the customer's code
   (a code lives 60 seconds).
2. 预结算: quote the bill with the code, show what the customer pays in cash, and settle with an
   idempotency key and the till's own receipt number. A lost answer is retried with the same key.
3. A bill with mistakes: every bad line comes back at once; fix them all, then quote and settle.
4. A customer brings an item back: refund that line; the refund is a record with its time and parts.
5. Day end: page through today's settlements (China time) with keyset cursors and add them up, and
   find one by the till's receipt number.
"""

import sys
import uuid
from datetime import datetime, timedelta, timezone

import httpx

ARG = sys.argv[1] if len(sys.argv) > 1 else "8000"
BASE = f"http://127.0.0.1:{ARG}" if ARG.isdigit() else ARG.rstrip("/")
PHARMACY_KEY = "yb_c16d7bec2676_09acf00cf538eba810fc50cd513830a003fd1ddc"  # demo data only
CHINA = timezone(timedelta(hours=8))  # China time, UTC+8 all year: every day in the API is a China day

SPLIT = """billFen fundFen personalBurdenFen overlmtSelfpayFen ownAccountFen mutualAid { grantorMaskedName amountFen }
  cashFen"""
QUOTE = f"""query($input: QuoteInput!) {{ quote(input: $input) {{
  __typename ... on SettlementQuote {{ {SPLIT} }}
  ... on OperationError {{ code message field lineErrors {{ line code field message }} }} }} }}"""
SETTLE = f"""mutation($input: SettleInput!) {{ settle(input: $input) {{
  __typename ... on SettlementPayload {{ settlement {{ id receiptNumber createdAt {SPLIT} }} }}
  ... on OperationError {{ code message field lineErrors {{ line code field message }} }} }} }}"""
REFUND = """mutation($input: RefundInput!) { refundSettlement(input: $input) {
  __typename ... on SettlementPayload { settlement { status refunds { kind createdAt lineNumbers amountFen fundFen
    ownAccountFen mutualAidFen cashFen insurerFen } insurerFen } }
  ... on OperationError { code message field } } }"""
DAY = """query($day: Date!, $after: String) { viewer { ... on Institution { settlements(first: 2, after: $after,
  settledFrom: $day, settledTo: $day) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { receiptNumber createdAt billFen fundFen ownAccountFen cashFen insurerFen } } } } } }"""
BY_RECEIPT = """query($receipt: String!) { viewer { ... on Institution { settlements(first: 1, receiptNumber: $receipt) {
  edges { node { id receiptNumber billFen status } } } } } }"""


def graphql(credential: str, query: str, **variables) -> dict:
    response = httpx.post(f"{BASE}/graphql", json={"query": query, "variables": variables}, timeout=30,
                          headers={"Authorization": f"Bearer {credential}", "Accept-Language": "zh-CN"})
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise SystemExit(f"GraphQL errors: {body['errors']}")
    return body["data"]


def yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


def china(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def line(code: str, name: str, price_fen: int, quantity: int = 1) -> dict:
    """A bill line by the pharmacy's own item code. No category: the insurer's catalogue decides each item's class
    through the pharmacy's approved item mappings (an unmapped item is paid in cash only)."""
    return {"itemCode": code, "name": name, "unitPriceFen": price_fen, "quantity": quantity}


def customer_shows_code(phone: str, subject_name: str | None = None) -> tuple[str, str]:
    """The customer's phone: sign in and show a code (their own, or a bound relative's). Returns the code
    and the China-time service date (from the code's expiry: the server's clock, not the till's)."""
    token = httpx.post(f"{BASE}/auth/token", json={"username": phone, "password": "demo1234"}).json()["access_token"]
    me = graphql(token, """{ viewer { ... on Person { id heldBindings { edges { node { subject { id name } } } } } } }""")
    subject = me["viewer"]["id"]
    if subject_name:
        subject = next(e["node"]["subject"]["id"] for e in me["viewer"]["heldBindings"]["edges"]
                       if e["node"]["subject"]["name"] == subject_name)
    issued = graphql(token, """mutation($id: ID!) { issueCode(input: {subjectId: $id}) {
        ... on IssuedCodePayload { issuedCode { text expiresAt } } ... on OperationError { code message } } }""",
                     id=subject)["issueCode"]["issuedCode"]
    day = (datetime.fromisoformat(issued["expiresAt"]) - timedelta(seconds=60)).astimezone(CHINA).date()
    return issued["text"], day.isoformat()


def checkout(phone: str, lines: list[dict], receipt: str, subject_name: str | None = None) -> dict:
    """One customer at the till: the bill is rung up already; scan, quote, settle (retrying a lost answer)."""
    code, day = customer_shows_code(phone, subject_name)  # scan last: the 60 seconds start now
    bill = {"code": code, "visitType": "PHARMACY", "serviceDate": day, "lines": lines}
    quoted = graphql(PHARMACY_KEY, QUOTE, input=bill)["quote"]
    if quoted["__typename"] == "OperationError":
        print(f"  refused: {quoted['code']} {quoted['message']}")
        for problem in quoted["lineErrors"]:
            print(f"    line {problem['line']} {problem['field']}: {problem['code']} {problem['message']}")
        return quoted
    print(f"  quote: bill {yuan(quoted['billFen'])}, fund {yuan(quoted['fundFen'])}, "
          f"above price caps {yuan(quoted['overlmtSelfpayFen'])}, own account {yuan(quoted['ownAccountFen'])}, "
          f"mutual aid {yuan(sum(a['amountFen'] for a in quoted['mutualAid']))}: customer pays {yuan(quoted['cashFen'])}")
    key = f"{receipt}-{uuid.uuid4().hex[:12]}"  # one key per bill, kept until the answer arrives
    settle_input = {**bill, "idempotencyKey": key, "receiptNumber": receipt}
    settled = graphql(PHARMACY_KEY, SETTLE, input=settle_input)["settle"]
    if settled["__typename"] == "OperationError":
        print(f"  refused: {settled['code']} {settled['message']}")  # CODE_EXPIRED: ask for a fresh code
        return settled
    # The answer was lost (a timeout, say): send the same request with the same key again.
    again = graphql(PHARMACY_KEY, SETTLE, input=settle_input)["settle"]
    assert again["settlement"]["id"] == settled["settlement"]["id"]
    s = settled["settlement"]
    print(f"  settled {s['receiptNumber']} at {china(s['createdAt'])} (China time): cash {yuan(s['cashFen'])}, "
          f"the same as quoted: {s['cashFen'] == quoted['cashFen']}; a retry answered the same settlement")
    return s


print("1. 张伟 buys for himself: ring up, then scan")
first = checkout("13800000001", [line("86900001", "阿莫西林胶囊", 12_00, 2), line("86900005", "维生素C片", 30_00),
                                 line("69000002", "润喉糖", 5_00)], receipt="POS-0001")  # sweets: not insured, cash

print("2. 张伟 shows his mother 王秀英's code (family account); the first entry has mistakes")
mistakes = checkout("13800000001", [line("86900003", "连花清瘟胶囊", 0), line("86900002", "布洛芬混悬液", 8_00, 0),
                                    line("", "润喉糖", 3_00)], receipt="POS-0002", subject_name="王秀英")
fixed = checkout("13800000001", [line("86900003", "连花清瘟胶囊", 18_00), line("86900002", "布洛芬混悬液", 8_00, 2),
                                 line("69000002", "润喉糖", 3_00)], receipt="POS-0002", subject_name="王秀英")

print("3. 李娜 buys, then brings the vitamins of POS-0001 back")
checkout("13800000002", [line("86900004", "奥司他韦胶囊", 40_00)], receipt="POS-0003")  # above its cap: 超限价自付
refunded = graphql(PHARMACY_KEY, REFUND, input={"settlementId": first["id"], "lineNumbers": [2],
                                                "idempotencyKey": f"refund-POS-0001-2-{uuid.uuid4().hex[:8]}",
                                                "reason": "customer returned it"})["refundSettlement"]
for r in refunded["settlement"]["refunds"]:
    print(f"  {r['kind']} at {china(r['createdAt'])} (China time), lines {r['lineNumbers']}: {yuan(r['amountFen'])} back "
          f"(fund {yuan(r['fundFen'])}, accounts {yuan(r['ownAccountFen'] + r['mutualAidFen'])}, cash {yuan(r['cashFen'])})")

print("4. Day end: today's settlements, two per page")
day = datetime.fromisoformat(first["createdAt"]).astimezone(CHINA).date().isoformat()
after, seen, totals = None, [], {"billFen": 0, "fundFen": 0, "ownAccountFen": 0, "cashFen": 0, "insurerFen": 0}
while True:
    page = graphql(PHARMACY_KEY, DAY, day=day, after=after)["viewer"]["settlements"]
    for edge in page["edges"]:
        node = edge["node"]
        seen.append(node["receiptNumber"])
        for name in totals:
            totals[name] += node[name]
    if not page["pageInfo"]["hasNextPage"]:
        break
    after = page["pageInfo"]["endCursor"]
print(f"  {day} (China time): {page['totalCount']} settlements {sorted(r for r in seen if r)}; "
      + ", ".join(f"{name} {yuan(value)}" for name, value in totals.items()))
found = graphql(PHARMACY_KEY, BY_RECEIPT, receipt="POS-0001")["viewer"]["settlements"]["edges"][0]["node"]
print(f"  receipt POS-0001: {yuan(found['billFen'])}, {found['status']}")
