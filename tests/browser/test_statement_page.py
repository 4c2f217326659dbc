"""In headless Chromium at 360 px: the yearly statement from the menu, printed without the page's chrome;
and the household guide's screenshots of the main journeys, in Chinese and in English."""

import pytest

from backend import demo
from tests.browser.conftest import login, screenshot
from tests.browser.demo_bills import settle_demo_bills

pytestmark = [pytest.mark.browser, pytest.mark.one_database]

SMALL_PHONE = {"width": 360, "height": 740}
LOCALES = {"zh-CN": "zh", "en-US": "en"}


def _father():
    return next(p for p in demo.logins()["people"] if p["name"] == "张伟")


def test_a_parent_reads_and_prints_the_yearly_statement(rt, open_context, live_server):
    settle_demo_bills(rt)
    page = open_context(viewport=SMALL_PHONE, locale="zh-CN").new_page()
    father = _father()
    login(page, live_server, father["id_number"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    page.click(".bar details.more summary")  # the statement waits under More
    page.click("a[href='/statement']")
    page.wait_for_selector("h1:has-text('年度明细')")
    totals = page.inner_text("dl.totals")
    assert "¥308.00" in totals  # his own two bills: 48 yuan at the pharmacy and 260 at the hospital
    months = page.locator("table.statement-table").first
    assert months.locator("tbody tr").count() == 12
    assert "48.00" in months.locator("tbody tr").nth(0).inner_text()
    assert "260.00" in months.locator("tbody tr").nth(1).inner_text()
    assert "¥35.20" in page.inner_text("#over-limit")  # the amoxicillin above its catalogue price cap
    assert "不是纳税评定" in page.inner_text("main") or "不是税务" in page.inner_text("main")
    page.select_option("#year", "2025")
    page.click("form[action='/statement'] button[type=submit]")
    page.wait_for_url("**/statement?year=2025")
    assert "¥0.00" in page.inner_text("dl.totals")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('header.bar')).display") == "none"
    assert page.evaluate("getComputedStyle(document.querySelector('form[action=\"/statement\"]')).display") == "none"
    assert page.locator("table.statement-table").first.is_visible()


def test_the_household_guide_screenshots(rt, open_context, live_server):
    """The main journeys at 360 px, each in both languages: what docs/guide/household.md shows."""
    settle_demo_bills(rt)
    father = _father()
    for locale, suffix in LOCALES.items():
        page = open_context(viewport=SMALL_PHONE, locale=locale).new_page()
        login(page, live_server, father["id_number"], father["password"])
        page.wait_for_url(f"{live_server}/family")
        page.wait_for_selector("#relatives .person")
        screenshot(page, f"household-family-{suffix}")
        page.click("a[href='/codes']")
        page.wait_for_selector("#code-panel .qr svg")
        screenshot(page, f"household-code-{suffix}")
        page.click("a[href='/bindings']")
        page.wait_for_url(f"{live_server}/bindings")
        screenshot(page, f"household-bindings-{suffix}")
        page.click("a[href='/grants']")
        page.wait_for_url(f"{live_server}/grants")
        screenshot(page, f"household-grants-{suffix}")
        page.click(".bar details.more summary")  # the statement waits under More
        page.click("a[href='/statement']")
        page.wait_for_selector("dl.totals")
        screenshot(page, f"household-statement-{suffix}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
