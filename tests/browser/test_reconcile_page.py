"""In headless Chromium: a pharmacy reconciles a day that balances and one that does not, in totals and
settlement by settlement, on /partner/reconcile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from backend import demo
from backend.clock import CHINA
from backend.domain.reconciliation import settlement_global_id
from backend.storage.models import Enrolment, Institution, Settlement
from tests.browser.conftest import PHONE, screenshot
from tests.browser.demo_bills import settle_demo_bills

pytestmark = pytest.mark.browser


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def test_a_pharmacy_reconciles_a_day_that_balances_and_one_that_does_not(rt, clock, open_context, live_server):
    settle_demo_bills(rt)  # made today: the father's and the son's bills at the pharmacy
    with rt.db.read() as s:
        pharmacy = s.exec(select(Institution).where(Institution.kind == "pharmacy")).one()
        rows = s.exec(select(Settlement).where(Settlement.institution_id == pharmacy.id)).all()
        employee = [r for r in rows if s.get(Enrolment, r.subject_id).insurance_type == "employee"]
    day = rows[0].created_at.astimezone(CHINA).date()
    clock.advance(days=1)
    key = next(k for k in demo.logins()["partners"] if k["kind"] == "pharmacy")["api_key"]

    pos = open_context(**PHONE).new_page()  # zh-CN, on a phone
    pos.goto(f"{live_server}/partner/login")
    pos.fill("#api-key", key)
    pos.click("form button[type=submit]")
    pos.wait_for_url(f"{live_server}/partner/checkout")
    pos.click("nav a[href='/partner/reconcile']")
    pos.wait_for_url(f"{live_server}/partner/reconcile")
    assert pos.input_value("#first") == day.isoformat()  # yesterday, by default

    # The day's employee pharmacy settlements, as the pharmacy's books have them: balanced.
    pos.fill("#count", str(len(employee)))
    pos.fill("#bill", _yuan(sum(r.bill_fen for r in employee)))
    pos.fill("#fund", _yuan(sum(r.fund_fen for r in employee)))
    pos.fill("#account", _yuan(sum(r.bill_fen - r.fund_fen - r.cash_fen for r in employee)))
    pos.click("#reconcile-totals-button")
    pos.locator("#totals-outcome", has_text="平账").wait_for()
    screenshot(pos, "partner-reconcile-totals-balanced")

    # The day before: the books say one settlement the service never had.
    before = (day - timedelta(days=1)).isoformat()
    pos.fill("#first", before)
    pos.fill("#last", before)
    pos.fill("#count", "1")
    pos.click("#reconcile-totals-button")
    pos.locator("#totals-outcome", has_text="不平").wait_for()
    assert "1" in pos.locator("#totals-table tbody tr").first.inner_text()
    screenshot(pos, "partner-reconcile-totals-not-balanced")

    # Settlement by settlement: every settlement of the day, one with the fund part wrong.
    lines = ["结算ID,医疗费总额,基金支付总额,个人账户支付金额,退费结算标志"]
    for n, r in enumerate(rows):
        lines.append(f"{settlement_global_id(r.id)},{_yuan(r.bill_fen)},{_yuan(r.fund_fen + (100 if n == 0 else 0))},"
                     f"{_yuan(r.bill_fen - r.fund_fen - r.cash_fen)},0")
    pos.set_input_files("#file", files=[{"name": "settlements.csv", "mimeType": "text/csv",
                                         "buffer": ("\n".join(lines) + "\n").encode("gb18030")}])
    pos.click("#reconcile-details-button")
    pos.locator("#details-outcome", has_text="不平").wait_for()
    table = pos.locator("#details-list li")
    assert table.count() == 1 and "基金支付" in table.first.inner_text()
    screenshot(pos, "partner-reconcile-details")
    with pos.expect_download() as download:
        pos.click("#download-results")
    assert download.value.suggested_filename == f"reconcile-{day.isoformat()}-{day.isoformat()}.csv"
