"""In headless Chromium: an admin revokes a partner's key (after confirming), and that partner's next sandbox call
is refused; disabling asks first too, and no swap writes an inline style."""

import json
import urllib.error
import urllib.request

import pytest

from backend import demo
from tests.browser.conftest import PHONE, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.one_database]

PHARMACY = "历下区康宁大药房"
HOSPITAL = "济南市第一人民医院"


def _viewer_with(base: str, key: str):
    """The key's viewer, or the status and error code of the refusal."""
    request = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": "{ viewer { __typename } }"}).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)["data"]["viewer"]
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)["errors"][0]["extensions"]["code"]


def test_an_admin_revokes_a_partner_key_and_the_partners_next_call_is_refused(page, open_context, live_server):
    logins = demo.logins()
    key = next(k for k in logins["partners"] if k["kind"] == "pharmacy")["api_key"]
    admin = next(s for s in logins["staff"] if s["role"] == "admin")

    pos = open_context(**PHONE).new_page()  # the pharmacy's till, signed in to the sandbox
    pos.goto(f"{live_server}/partner/login")
    pos.fill("#api-key", key)
    pos.click("button[type=submit]")
    pos.wait_for_url(f"{live_server}/partner/checkout")
    assert _viewer_with(live_server, key) == {"__typename": "Institution"}

    login(page, live_server, admin["username"], admin["password"])
    page.wait_for_url(f"{live_server}/console")
    page.click("nav >> text=合作机构")
    page.wait_for_url(f"{live_server}/console/partners")
    # Rotating the hospital's key shows the new one, once.
    hospital = page.locator("#partner-list > li", has_text=HOSPITAL)
    rotate = hospital.locator("form[action='/console/partners/rotate']")
    rotate.locator("input[name=reason]").fill("年度轮换")
    rotate.locator("button").click()
    confirm = hospital.locator("dialog.confirm")  # asked first: nothing has changed yet
    assert "24 小时" in confirm.inner_text() and "原因：年度轮换" in confirm.inner_text()
    confirm.locator("button[type=submit]").click()
    assert page.locator("#new-key-plaintext").inner_text().startswith("yb_")
    screenshot(page, "console-partners-new-key")
    page.goto(f"{live_server}/console/partners")
    assert page.locator("#new-key").count() == 0  # shown once: not on the next load

    pharmacy = page.locator("#partner-list > li", has_text=PHARMACY)
    revoke = pharmacy.locator("form[action='/console/partners/revoke']")
    revoke.locator("button").click()  # no reason yet: the browser asks for one, nothing is sent
    assert revoke.locator("input[name=reason]").evaluate("input => !input.validity.valid")
    revoke.locator("input[name=reason]").fill("密钥在截图中泄露")
    revoke.locator("button").click()
    pharmacy.locator("dialog.confirm").wait_for()
    assert _viewer_with(live_server, key) == {"__typename": "Institution"}  # not yet
    assert pharmacy.locator("dialog.confirm button[type=submit]").evaluate("b => b === document.activeElement")
    pharmacy.locator("dialog.confirm button[type=submit]").click()
    pharmacy.locator("tr.key td", has_text="吊销").wait_for()  # "已于 … 吊销": revoked at …
    assert "不再能使用" in page.locator("#notice").inner_text()
    assert pharmacy.locator("form[action='/console/partners/revoke']").count() == 0
    screenshot(page, "console-partners-key-revoked")

    # The partner's next call: the sandbox sends it to sign in again, and the key opens nothing.
    pos.fill("#code", "YB1-ANYTHING")
    pos.click("#settle")
    pos.wait_for_url(f"{live_server}/partner/login")
    pos.fill("#api-key", key)
    pos.click("button[type=submit]")
    pos.locator("#api-key-error").wait_for()
    assert _viewer_with(live_server, key) == (401, "UNAUTHENTICATED")


def test_an_admin_adds_a_staff_user_with_the_message_beside_the_field(page, live_server):
    admin = next(s for s in demo.logins()["staff"] if s["role"] == "admin")
    login(page, live_server, admin["username"], admin["password"])
    page.wait_for_url(f"{live_server}/console")
    page.goto(f"{live_server}/console/staff")
    page.fill("#staff-username", "clerk07")
    page.fill("#staff-name", "窗口经办 王芳")
    page.fill("#staff-password", "first-pw")  # 8 characters: the browser lets it through
    page.fill("#staff-reason", "新到岗窗口经办")
    page.fill("#staff-username", "Clerk 07")
    page.click("#add-staff button[type=submit]")
    page.locator("#error-username").wait_for()
    assert page.locator("#staff-username").get_attribute("aria-invalid") == "true"
    screenshot(page, "console-staff-error")
    page.fill("#staff-username", "clerk07")
    page.fill("#staff-name", "窗口经办 王芳")
    page.fill("#staff-password", "first-pw")
    page.fill("#staff-reason", "新到岗窗口经办")
    page.click("#add-staff button[type=submit]")
    page.locator("#staff-clerk07").wait_for()
    assert "窗口经办 王芳" in page.locator("#staff-clerk07").inner_text()
    assert "在岗" in page.locator("#staff-clerk07").inner_text()
    assert "已添加 clerk07" in page.locator("#notice").inner_text()
    screenshot(page, "console-staff")


def _mark(page, selector: str) -> None:
    """Put a style attribute on an element from outside the page, as a browser extension or a screenshot
    tool does (DevTools writes are not subject to the page's policy)."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    cdp.send("DOM.setAttributeValue", {"nodeId": node, "name": "style", "value": "outline: 2px solid red"})
    cdp.detach()


def test_disabling_asks_first_and_its_swaps_write_no_inline_style(page, live_server, csp_violations):
    admin = next(s for s in demo.logins()["staff"] if s["role"] == "admin")
    login(page, live_server, admin["username"], admin["password"])
    page.wait_for_url(f"{live_server}/console")
    page.goto(f"{live_server}/console/staff")
    _mark(page, "#staff-clerk01")
    page.evaluate("0")
    csp_violations.clear()  # the mark itself is reported; what follows must not be
    row = page.locator("#staff-clerk01")
    row.locator("form[action='/console/staff/disable'] input[name=reason]").fill("调离岗位")
    row.locator("form[action='/console/staff/disable'] button").click()
    row.locator("dialog.confirm").wait_for()
    assert "clerk01" in row.locator("#confirm-question").inner_text()
    row.locator("dialog.confirm button[type=submit]").click()
    row.locator(".status", has_text="已停用").wait_for()
    assert "已停用" in page.locator("#notice").inner_text()
    page.evaluate("0")  # a round trip, so any report has arrived before the watcher's own check

    page.goto(f"{live_server}/console/partners")
    _mark(page, "#partner-1")
    page.evaluate("0")
    csp_violations.clear()
    first = page.locator("#partner-1")
    first.locator("form[action='/console/partners/disable'] input[name=reason]").fill("合同到期")
    first.locator("form[action='/console/partners/disable'] button").click()
    first.locator("dialog.confirm button[type=submit]").click()
    first.locator("form[action='/console/partners/enable']").wait_for()
    assert "已停用" in page.locator("#notice").inner_text()
