"""In headless Chromium: a clerk prepares February's clearing, an auditor deducts from a settlement and
approves, an admin pays and downloads the bank's payout file; the pharmacy opens its own statement."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from backend import demo
from backend.clock import CHINA
from backend.domain.idnumber import Sex
from backend.domain.settlement import VisitType
from backend.principals import Actor, Channel, Principal, PrincipalKind
from backend.services.clearing import payee
from backend.services.family_account import bindings
from backend.storage.models import Institution, StaffUser
from tests.browser.conftest import PHONE, login, screenshot
from tests.helpers import actor_of, person
from tests.money import line, settle_for

pytestmark = [pytest.mark.browser, pytest.mark.one_database]

PHARMACY = "历下区康宁大药房"
HOSPITAL = "济南市第一人民医院"


def _february(rt) -> dict:
    """Bills at both demo partners in February (China time), and their payee accounts."""
    started = rt.clock.now()
    with rt.db.read() as s:
        partners = {i.name: Principal(PrincipalKind.PARTNER, i.id, i.name, i.kind)
                    for i in s.exec(select(Institution))}
    worker = person(rt, "王建国", date(1975, 5, 5), Sex.MALE, insurance="employee", balance_fen=800_00)
    student = person(rt, "赵小雨", date(2008, 8, 8))
    for p in (worker, student):
        bindings.activate_voucher(rt, actor_of(p))
    rt.clock._at = datetime(2026, 2, 12, 10, tzinfo=CHINA).astimezone(UTC)
    settled = {
        "hospital": settle_for(rt, partners[HOSPITAL], worker, worker, [line("A", 420_00), line("C", 35_00)],
                               visit=VisitType.OUTPATIENT)[0],
        "pharmacy": settle_for(rt, partners[PHARMACY], student, student, [line("A", 2_600_00)])[0],
    }
    rt.clock._at = started
    payee.set_payee_account(rt, Actor(demo_admin(rt), Channel.CLI), partners[PHARMACY].id, "中国工商银行济南分行",
                            "6222021234567890", "签约")  # the hospital's is set on the partner page below
    return settled


def demo_admin(rt) -> Principal:
    with rt.db.read() as s:
        row = s.exec(select(StaffUser).where(StaffUser.username == "admin01")).one()
    return Principal(PrincipalKind.STAFF, row.id, row.name, row.role)


def _sign_out(page) -> None:
    page.click("form[action='/logout'] button")


def test_clerk_prepares_auditor_deducts_and_approves_admin_pays_and_downloads(rt, live_server, open_context):
    settled = _february(rt)
    staff = {s["role"]: s for s in demo.logins()["staff"]}

    clerk = open_context(**PHONE).new_page()
    login(clerk, live_server, staff["clerk"]["username"], staff["clerk"]["password"])
    clerk.wait_for_url(f"{live_server}/console")
    clerk.goto(f"{live_server}/console/clearing")
    clerk.fill("#clearing-month", "2026-03")  # not ended yet: refused beside the field
    clerk.click("#prepare-form button")
    assert "2026-03" in clerk.locator("#error-month").inner_text()
    clerk.fill("#clearing-month", "2026-02")
    clerk.click("#prepare-form button")
    clerk.wait_for_selector("#batch[data-status=prepared]")
    assert clerk.locator("#clearing-lines .clearing-line").count() == 2
    assert clerk.locator("#approve-form").count() == 0  # a clerk neither approves nor deducts
    screenshot(clerk, "clearing-prepared")

    auditor = open_context(**PHONE).new_page()
    login(auditor, live_server, staff["auditor"]["username"], staff["auditor"]["password"])
    auditor.wait_for_url(f"{live_server}/console")
    auditor.goto(f"{live_server}/console/clearing")
    auditor.fill("#deduct-settlement", str(settled["hospital"]))
    auditor.fill("#deduct-amount", "9999")
    auditor.fill("#deduct-reason", "超标准收费")
    auditor.click("#deduct-form button")
    assert auditor.locator("#error-amount").is_visible()  # more than the insurer paid
    auditor.fill("#deduct-amount", "20.00")
    auditor.fill("#deduct-reason", "超标准收费")
    auditor.click("#deduct-form button")
    auditor.wait_for_selector("#deductions .deduction")
    assert "¥20.00" in auditor.locator("#deductions").inner_text()
    screenshot(auditor, "clearing-deducted")
    auditor.click("#approve-form button")
    auditor.wait_for_selector("#batch[data-status=approved]")

    admin = open_context(**PHONE, accept_downloads=True).new_page()
    login(admin, live_server, staff["admin"]["username"], staff["admin"]["password"])
    admin.wait_for_url(f"{live_server}/console")
    admin.goto(f"{live_server}/console/clearing")
    admin.fill("#bank-reference", "ICBC-20260303-0001")
    admin.click("#pay-form button")
    assert HOSPITAL in admin.locator("#error-batchId").inner_text()  # no payee account yet
    admin.goto(f"{live_server}/console/partners")
    hospital = admin.locator("#partner-list > li", has_text=HOSPITAL)
    payee_form = hospital.locator("form[action='/console/partners/payee']")
    payee_form.locator("input[name=bankName]").fill("中国建设银行济南分行")
    payee_form.locator("input[name=accountNumber]").fill("12")
    payee_form.locator("input[name=reason]").fill("签约")
    payee_form.locator("button").click()
    assert "8" in admin.locator("#partner-list > li", has_text=HOSPITAL).locator(".error").inner_text()
    payee_form = admin.locator("#partner-list > li", has_text=HOSPITAL).locator("form[action='/console/partners/payee']")
    payee_form.locator("input[name=bankName]").fill("中国建设银行济南分行")
    payee_form.locator("input[name=accountNumber]").fill("6217 0000 1111 2222 333")
    payee_form.locator("input[name=reason]").fill("签约")
    payee_form.locator("button").click()
    admin.wait_for_selector("#notice")
    assert "6217000011112222333" in admin.locator("#partner-list > li", has_text=HOSPITAL).inner_text()  # admins see it
    screenshot(admin, "clearing-payee-account")
    admin.goto(f"{live_server}/console/clearing")
    admin.fill("#bank-reference", "ICBC-20260303-0001")
    admin.click("#pay-form button")
    admin.wait_for_selector("#batch[data-status=paid]")
    screenshot(admin, "clearing-paid")
    with admin.expect_download() as download:
        admin.click("#payout-gb18030")
    rows = list(csv.reader(io.StringIO(open(download.value.path(), "rb").read().decode("gb18030"))))
    assert rows[-1][0] == "TOTAL" and rows[-1][1] == "2" and {r[1] for r in rows[1:-1]} == {PHARMACY, HOSPITAL}
    assert {r[3] for r in rows[1:-1]} == {"6222021234567890", "6217000011112222333"}
    payable = admin.locator("#batch-payable").inner_text().replace("¥", "").replace(",", "")
    assert rows[-1][4] == payable

    pos = open_context(**PHONE).new_page()
    key = next(k for k in demo.logins()["partners"] if k["kind"] == "pharmacy")["api_key"]
    pos.goto(f"{live_server}/partner/login")
    pos.fill("#api-key", key)
    pos.click("button[type=submit]")
    pos.wait_for_url(f"{live_server}/partner/checkout")
    pos.goto(f"{live_server}/partner/statement?month=2026-02")
    assert pos.locator("#statement-institution").inner_text() == PHARMACY
    assert "************7890" in pos.locator("#statement").inner_text()
    assert "6222021234567890" not in pos.locator("#statement").inner_text()  # masked for the partner
    screenshot(pos, "clearing-partner-statement")
