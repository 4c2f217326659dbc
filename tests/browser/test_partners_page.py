"""In headless Chromium: an admin revokes a partner's key, and that partner's next sandbox call is refused."""

import json
import urllib.request

import pytest

from backend import demo
from tests.browser.conftest import PHONE, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)]

PHARMACY = "历下区康宁大药房"


def _viewer_with(base: str, key: str):
    request = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": "{ viewer { __typename } }"}).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["data"]["viewer"]


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
    pharmacy = page.locator("#partner-list > li", has_text=PHARMACY)
    revoke = pharmacy.locator("form[action='/console/partners/revoke']")
    revoke.locator("button").click()  # no reason yet: the browser asks for one, nothing is sent
    assert revoke.locator("input[name=reason]").evaluate("input => !input.validity.valid")
    revoke.locator("input[name=reason]").fill("密钥在截图中泄露")
    revoke.locator("button").click()
    pharmacy.locator("tr.key td", has_text="吊销").wait_for()  # "已于 … 吊销": revoked at …
    assert pharmacy.locator("form[action='/console/partners/revoke']").count() == 0
    screenshot(page, "console-partners-key-revoked")

    # The partner's next call: the sandbox sends it to sign in again, and the key opens nothing.
    pos.fill("#code", "YB1-ANYTHING")
    pos.click("#settle")
    pos.wait_for_url(f"{live_server}/partner/login")
    pos.fill("#api-key", key)
    pos.click("button[type=submit]")
    pos.locator("#api-key-error").wait_for()
    assert _viewer_with(live_server, key) is None
