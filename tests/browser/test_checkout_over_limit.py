"""In headless Chromium: the partner checkout settles a line priced above the catalogue's cap and shows
the over-limit part beside it (R18), and the patient's bills page says it in words a family understands."""

import pytest

from backend import demo
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser  # end to end with money: on both databases


def test_the_checkout_shows_an_over_limit_line_and_the_bills_page_explains_it(open_context, page, live_server):
    logins = demo.logins()
    father = next(p for p in logins["people"] if p["name"] == "张伟")
    pharmacy_key = next(k for k in logins["partners"] if k["kind"] == "pharmacy")["api_key"]
    login(page, live_server, father["phone"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    page.goto(f"{live_server}/codes")
    code = page.inner_text("[data-code]").strip()

    counter = open_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")
    pos = counter.new_page()
    pos.goto(f"{live_server}/partner/login")
    pos.fill("#api-key", pharmacy_key)
    pos.click("form button[type=submit]")
    pos.wait_for_url(f"{live_server}/partner/checkout")

    # The demo pharmacy's 86900001 is mapped to the sample catalogue's amoxicillin: class A, at most 12.80 a
    # box. Two boxes at 15.00: 4.40 above the cap. The throat sweets have no mapping: cash only.
    pos.fill("#line-0-itemCode", "86900001")
    pos.fill("#line-0-name", "阿莫西林胶囊")
    pos.fill("#line-0-price", "15.00")
    pos.fill("#line-0-quantity", "2")
    pos.fill("#line-1-itemCode", "69000002")
    pos.fill("#line-1-name", "润喉糖")
    pos.fill("#line-1-price", "8.50")
    pos.fill("#code", code)
    pos.click("#settle")
    pos.wait_for_selector("#result-status")
    first = pos.locator("#result-line-1")
    assert "甲类" in first.locator(".line-class").inner_text()
    assert "¥12.80" in first.inner_text()  # the cap, beside the line
    assert first.locator(".line-over-limit").inner_text() == "¥4.40"
    assert "¥4.40" in pos.inner_text("#total-over-limit")
    second = pos.locator("#result-line-2")
    assert second.locator(".line-cash-only").count() == 1 and "目录外" in second.locator(".line-class").inner_text()
    screenshot(pos, "checkout-over-limit")

    page.goto(f"{live_server}/settlements")
    bill = page.locator(".settlement", has_text="康宁大药房").first
    over = bill.locator(".line-over-limit").inner_text()
    assert "¥12.80" in over and "¥4.40" in over
    assert "¥4.40" in bill.locator(".paid-over-limit").inner_text()
    screenshot(page, "my-bills-over-limit")
