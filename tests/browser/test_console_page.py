"""In headless Chromium: a clerk verifies the claim waiting in the demo data."""

import pytest

from backend import demo
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.one_database]


def test_a_clerk_verifies_a_pending_claim(page, live_server):
    clerk = next(s for s in demo.logins()["staff"] if s["role"] == "clerk")
    login(page, live_server, clerk["username"], clerk["password"])
    page.wait_for_url(f"{live_server}/console")
    page.click("nav >> text=待核验")
    page.wait_for_url(f"{live_server}/console/claims")
    claim = page.locator(".person", has_text="李德明")
    assert "张晓雨" in claim.inner_text() and "外祖父母" in claim.inner_text()
    claim.locator("button", has_text="核验通过").click()
    page.locator("text=暂无待办").wait_for()
