"""In headless Chromium, the whole journey: a parent shows the grandchild's code, the pharmacy settles
on its sandbox page, the phone shows the split, and the grantor's usage feed shows the payment."""

import pytest

from backend import demo
from tests.browser.conftest import login

pytestmark = pytest.mark.browser  # end to end with money: on both databases


def test_parent_shows_grandchilds_code_pharmacy_settles_phone_and_grantor_see_it(open_context, page, live_server):
    logins = demo.logins()
    father = next(p for p in logins["people"] if p["name"] == "张伟")
    pharmacy_key = next(k for k in logins["partners"] if k["kind"] == "pharmacy")["api_key"]

    # 张伟 (王秀英's son) shows his own son 张小宝's code, as guardian.
    login(page, live_server, father["id_number"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    page.goto(f"{live_server}/codes")
    page.click("button.chip:has-text('张小宝')")
    page.wait_for_selector("#code-panel .subject-name:has-text('张小宝')")
    code = page.inner_text("[data-code]").strip()

    counter = open_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")
    pos = counter.new_page()
    pos.goto(f"{live_server}/partner/login")
    pos.fill("#api-key", pharmacy_key)
    pos.click("form button[type=submit]")
    pos.wait_for_url(f"{live_server}/partner/checkout")
    pos.fill("#code", code)
    pos.click("button:has-text('识别')")
    pos.wait_for_selector("#resolved:has-text('张*宝')")
    pos.fill("#line-0-itemCode", "86900001")
    pos.fill("#line-0-name", "小儿氨酚黄那敏颗粒")
    pos.select_option("#line-0-category", "A")
    pos.fill("#line-0-price", "45.60")
    pos.fill("#line-0-quantity", "2")
    pos.fill("#line-1-itemCode", "69000002")
    pos.fill("#line-1-name", "儿童牙刷")
    pos.select_option("#line-1-category", "NON_MEDICAL")
    pos.fill("#line-1-price", "12.00")
    pos.fill("#line-1-quantity", "1")
    pos.click("#settle")
    pos.wait_for_selector("#result-status")
    # 86900001 is mapped to a List A item capped at 12.80: 65.60 above the caps (over-limit self-pay) and 25.60
    # that the resident deductible (100.00 sample) takes; the grant pays all 91.20; the toothbrush is cash.
    assert "103.20" in pos.inner_text("#total-bill") and "12.00" in pos.inner_text("#total-cash")

    # Within seconds the phone swaps the code for the split.
    page.wait_for_selector("#code-panel.result", timeout=10_000)
    result = page.inner_text("#code-panel")
    assert "¥103.20" in result and "张*的共济账户" in result and "¥91.20" in result and "¥12.00" in result

    # The grantor's usage feed shows the payment: amount, date and place, not the medicine.
    page.goto(f"{live_server}/grants")
    feed = page.locator("#given .grant", has_text="张小宝").locator(".usage")
    assert "¥91.20" in feed.inner_text() and "康宁大药房" in feed.inner_text()
    assert "氨酚" not in page.inner_text("main")
