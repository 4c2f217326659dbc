"""In headless Chromium: sign in, see the family, claim a relative, switch language."""

import pytest

from backend import demo
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.one_database]


def _person(name):
    return next(p for p in demo.logins()["people"] if p["name"] == name)


def test_a_parent_signs_in_and_sees_the_family(page, live_server):
    father = _person("张伟")
    login(page, live_server, father["id_number"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    relatives = page.locator("#relatives .person")
    assert relatives.count() == 5  # with the toddler 张小安
    grandma = relatives.filter(has_text="王秀英")
    assert "母亲" in grandma.inner_text() and "已核验" in grandma.inner_text()
    assert "3701**********" in grandma.inner_text()
    assert "¥3,256.80" in page.inner_text("main")


def test_a_refused_claim_shows_beside_the_field_without_a_reload(page, live_server):
    father, cousin = _person("张伟"), _person("张磊")
    login(page, live_server, father["id_number"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    page.evaluate("window.__same_page = true")
    page.fill("#claim-name", cousin["name"])
    page.fill("#claim-id", cousin["id_number"])
    page.select_option("#claim-kind", "cousin")
    page.click("#claim-form button[type=submit]")
    error = page.locator("#claim-kind-error")
    error.wait_for()
    assert "R1" in error.inner_text() and "堂表兄弟姐妹" in error.inner_text()
    assert page.evaluate("window.__same_page") is True  # htmx swapped the section in place


def test_a_pending_claim_shows_and_english_is_one_tap_away(page, live_server):
    daughter, grandpa = _person("张晓雨"), _person("李德明")
    login(page, live_server, daughter["phone"], daughter["password"])
    page.wait_for_url(f"{live_server}/family")
    # 李德明 is already claimed (waiting for a clerk), so the page says so.
    assert "待核验" in page.locator("#relatives .person", has_text=grandpa["name"]).inner_text()
    page.click("a.lang")
    page.wait_for_selector("text=My family")
    assert "Awaiting verification" in page.inner_text("#relatives")


def test_the_bar_keeps_four_places_and_the_rest_under_more(page, live_server):
    father = _person("张伟")
    login(page, live_server, father["id_number"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    bills = page.locator(".bar details.more a[href='/settlements']")
    assert not bills.is_visible()  # closed: the bar shows the daily places and the elderly switch
    assert page.locator(".bar .elderly-switch button").is_visible()
    page.click(".bar details.more summary")
    assert [a.inner_text() for a in page.locator(".bar .more-menu a").all()] == ["我的结算", "年度明细", "修改密码"]
    assert page.locator(".bar .more-menu button.link").inner_text() == "退出"
    bills.click()
    page.wait_for_url(f"{live_server}/settlements")
