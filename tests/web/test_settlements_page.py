"""'My bills' on the patient's phone: each settlement, what paid it, and what a refund gave back."""

import re

from starlette.testclient import TestClient

from backend.principals import Actor, Channel
from backend.services.money import settlement
from tests.money import jinan_family, line, settle_for
from web.app import create_app


def _signed_in(rt, who) -> TestClient:
    client = TestClient(create_app(rt), headers={"Accept-Language": "en"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": who.id_number, "password": "pw", "csrf_token": token})
    return client


def test_the_patient_sees_a_line_refund_come_back_to_their_account_and_cash(rt):
    fam = jinan_family(rt)
    settled, _ = settle_for(rt, fam.pharmacy, fam.father, fam.father,
                            [line("A", 25_00, code="A1"), line("NON_MEDICAL", 3_00, code="N1")])
    settle_for(rt, fam.pharmacy, fam.mother, fam.mother, [line("A", 10_00)])  # someone else's: not shown
    client = _signed_in(rt, fam.father)
    before = client.get("/settlements")
    assert before.status_code == 200 and before.text.count('class="card settlement"') == 1
    assert "Refunded in all" not in before.text and "¥28.00" in before.text

    settlement.refund(rt, Actor(fam.pharmacy, Channel.GRAPHQL),
                      settlement.RefundRequest(settled, (2,), idempotency_key="refund-line-2"))
    after = client.get("/settlements").text
    assert "Partly refunded" in after
    assert "2. item N1 · ¥3.00 <span class=\"tag\">Refunded</span>" in after and "1. item A1 · ¥25.00 " in after
    # Each line in a family's words: its class from the catalogue, or outside it (cash only).
    assert "Class A: insurance covers it after the deductible · catalogue code TEST-A" in after
    assert "Not in the insurer&#39;s catalogue: paid in cash, not by insurance or accounts." in after
    back = dict(re.findall(r'<dd class="back-(\w+)">(?:<strong>)?¥([\d.]+)', after))
    assert back == {"total": "3.00", "fund": "0.00", "own": "0.00", "aid": "0.00", "cash": "3.00"}

    settlement.refund(rt, Actor(fam.pharmacy, Channel.GRAPHQL),
                      settlement.RefundRequest(settled, None, idempotency_key="refund-the-rest"))
    back = dict(re.findall(r'<dd class="back-(\w+)">(?:<strong>)?¥([\d.]+)', client.get("/settlements").text))
    assert back == {"total": "28.00", "fund": "0.00", "own": "25.00", "aid": "0.00", "cash": "3.00"}


def test_my_bills_is_for_household_members_only(rt):
    client = TestClient(create_app(rt))
    assert client.get("/settlements", follow_redirects=False).status_code in (302, 303)
