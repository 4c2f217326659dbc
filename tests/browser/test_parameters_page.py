"""In headless Chromium: an admin creates a parameter version on the console, and a sandbox settlement
dated after it names that version."""

import pytest
from sqlmodel import select

from backend import demo
from backend.principals import Actor, Channel, Principal, PrincipalKind
from backend.services.family_account import codes
from backend.storage.models import Person
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.one_database]

LABEL = "济南 2026年3月起（演示）"


def _code_of(rt, id_number: str) -> str:
    with rt.db.read() as s:
        person_id = s.exec(select(Person.id).where(Person.id_number == id_number)).one()
    return codes.issue_code(rt, Actor(Principal(PrincipalKind.HOUSEHOLD, person_id), Channel.WEB), person_id).text


def test_an_admin_creates_a_version_and_a_sandbox_settlement_after_it_shows_its_label(rt, open_context, live_server):
    page = open_context(viewport={"width": 1024, "height": 900}, locale="zh-CN").new_page()  # a desk at the bureau
    logins = demo.logins()
    admin = next(s for s in logins["staff"] if s["role"] == "admin")
    login(page, live_server, admin["username"], admin["password"])
    page.wait_for_url(f"{live_server}/console")
    page.click("nav a[href='/console/parameters']")
    page.wait_for_selector("#history-3701")
    page.click("#history-3701 a.button-link")
    # Prefilled with the values in force, not their name: the new version gets its own.
    assert page.input_value("#label") == "" and "SAMPLE Jinan 2026" in page.inner_text("#prefilled-from")
    # A refusal first: a ratio over 100% is shown beside its field.
    page.fill("#effectiveFrom", "2026-03-01")
    page.fill("[id='fundRatioBp.employee.pharmacy.0']", "100.5")
    page.click("#version-form button[type=submit]")
    page.wait_for_selector("[id='fundRatioBp.employee.pharmacy.0-error']")
    assert "百分比" in page.inner_text("[id='fundRatioBp.employee.pharmacy.0-error']")
    assert "SAMPLE Jinan 2026" in page.inner_text("#prefilled-from")  # still the version it came from
    page.fill("[id='fundRatioBp.employee.pharmacy.0']", "80")
    page.fill("#label", LABEL)
    page.click("#version-form button[type=submit]")
    page.wait_for_selector(f"#history-3701:has-text('{LABEL}')")

    # The pharmacy settles the father's bill dated 2 March, after the new version took effect on 1 March.
    father = next(p for p in logins["people"] if p["name"] == "张伟")
    pharmacy_key = next(k for k in logins["partners"] if k["kind"] == "pharmacy")["api_key"]
    pos = open_context(viewport={"width": 1024, "height": 900}, locale="zh-CN").new_page()
    pos.goto(f"{live_server}/partner/login")
    pos.fill("#api-key", pharmacy_key)
    pos.click("form button[type=submit]")
    pos.wait_for_url(f"{live_server}/partner/checkout")
    pos.fill("#code", _code_of(rt, father["id_number"]))
    pos.click("button:has-text('识别')")
    pos.wait_for_selector("#resolved:has-text('张*')")
    pos.fill("#serviceDate", "2026-03-02")
    pos.fill("#line-0-itemCode", "86900001")
    pos.fill("#line-0-name", "阿莫西林胶囊")
    pos.select_option("#line-0-category", "A")
    pos.fill("#line-0-price", "12.00")  # within the sample catalogue's cap of 12.80 a box
    pos.fill("#line-0-quantity", "25")
    pos.click("#settle")
    pos.wait_for_selector("#result-status")
    assert LABEL in pos.inner_text("#result-parameters")
    # The employee deductible (200.00) first, then 80% of the remaining 100.00 under the new version.
    assert "80.00" in pos.inner_text("#result")
    screenshot(pos, "staff-parameters-checkout")

    # The console's history now marks the version as used.
    page.reload()
    assert "已有结算使用" in page.locator("#history-3701 tr", has_text=LABEL).inner_text()
    screenshot(page, "staff-parameters")
