"""In headless Chromium: the partner checkout sums up what stops a settlement beside 结算, and after a
refund both the counter's totals and the patient's phone show what came back."""

import pytest

from backend import demo
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser  # end to end with money: on both databases


def test_error_summary_beside_settle_then_a_refund_shown_at_the_counter_and_on_the_phone(open_context, page,
                                                                                        live_server):
    logins = demo.logins()
    father = next(p for p in logins["people"] if p["name"] == "张伟")
    pharmacy_key = next(k for k in logins["partners"] if k["kind"] == "pharmacy")["api_key"]
    login(page, live_server, father["phone"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    page.goto(f"{live_server}/codes")
    code = page.inner_text("[data-code]").strip()

    counter = open_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")
    pos = counter.new_page()
    pos.on("dialog", lambda dialog: dialog.accept())
    pos.goto(f"{live_server}/partner/login")
    pos.fill("#api-key", pharmacy_key)
    pos.click("form button[type=submit]")
    pos.wait_for_url(f"{live_server}/partner/checkout")

    # No code, and a price with three decimals: nothing settles, and beside 结算 the summary says why.
    pos.fill("#line-0-itemCode", "86900001")
    pos.fill("#line-0-name", "阿莫西林胶囊")
    pos.fill("#line-0-price", "12.505")
    pos.click("#settle")
    summary = pos.locator("#settle-summary")
    summary.locator("li").nth(1).wait_for()
    assert summary.get_attribute("aria-live") == "assertive"
    assert "未结算" in summary.inner_text() and summary.locator("a[href='#code']").count() == 1
    assert summary.locator("a[href='#line-0-price']").count() == 1
    assert pos.get_attribute("#settle", "aria-describedby") == "settle-summary"
    settle_box, summary_box = pos.locator("#settle").bounding_box(), summary.bounding_box()
    assert summary_box["x"] > settle_box["x"] + settle_box["width"] - 1  # beside the button, not below the form
    screenshot(pos, "checkout-error-summary")
    summary.locator("a[href='#line-0-price']").click()
    pos.fill("#line-0-price", "12.50")
    pos.fill("#line-0-quantity", "2")
    pos.fill("#line-1-itemCode", "69000002")
    pos.fill("#line-1-name", "纸巾")
    pos.select_option("#line-1-category", "NON_MEDICAL")
    pos.fill("#line-1-price", "3.00")
    pos.fill("#code", code)
    pos.click("#settle")
    pos.wait_for_selector("#result-status")
    assert pos.locator("#settle-summary li").count() == 0

    # The whole bill comes back: 25.00 to his own account (the deductible took List A), 3.00 in cash.
    pos.locator("#result button", has_text="整单退费").click()
    pos.locator("#result-status", has_text="已退费").wait_for()
    back = pos.locator("#result dl.refunded")
    assert "¥28.00" in back.locator(".back-total").inner_text()
    assert "¥25.00" in back.locator(".back-own").inner_text() and "¥3.00" in back.locator(".back-cash").inner_text()
    screenshot(pos, "checkout-refunded")

    page.goto(f"{live_server}/settlements")
    bill = page.locator(".settlement", has_text="康宁大药房")
    assert "已退费" in bill.inner_text()
    assert "¥25.00" in bill.locator(".back-own").inner_text() and "¥3.00" in bill.locator(".back-cash").inner_text()
    screenshot(page, "my-bills-refund")
