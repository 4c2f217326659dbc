"""In headless Chromium: a grandfather approves his daughter's request from his own login."""

import pytest

from backend import demo
from tests.browser.conftest import PHONE, login

pytestmark = [pytest.mark.browser, pytest.mark.one_database]


def _person(name):
    return next(p for p in demo.logins()["people"] if p["name"] == name)


def test_consent_from_the_bound_persons_own_login(open_context, page, live_server):
    grandpa, mother = _person("李德明"), _person("李娜")
    login(page, live_server, grandpa["phone"], grandpa["password"])
    page.wait_for_url(f"{live_server}/family")
    page.click("a[href='/bindings']")
    request = page.locator("#mine .person", has_text="李娜")
    assert "待确认" in request.inner_text()
    request.locator("button", has_text="同意").click()
    page.locator("#mine .person", has_text="已绑定").wait_for()
    # He lets her see his account balance too (he is resident-insured: there is none to show).
    page.locator("#mine input[name=viewAccount]").check()
    page.locator("#mine button", has_text="保存").click()
    page.locator("#mine input[name=viewAccount]:checked").wait_for()

    other = open_context(**PHONE)
    her = other.new_page()
    login(her, live_server, mother["phone"], mother["password"])
    her.wait_for_url(f"{live_server}/family")
    her.goto(f"{live_server}/codes")
    her.click("button.chip:has-text('李德明')")
    her.wait_for_selector("#code-panel .subject-name:has-text('李德明')")
    assert her.locator("#code-panel .qr svg").count() == 1


def test_a_guardian_activates_his_toddlers_e_voucher_then_shows_the_code(page, live_server):
    from tests.browser.conftest import screenshot

    father = _person("张伟")
    login(page, live_server, father["phone"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    page.goto(f"{live_server}/bindings")
    ward = page.locator("#wards .person", has_text="张小安")
    assert "电子凭证未激活" in ward.inner_text()
    assert "已激活" in page.locator("#wards .person", has_text="张小宝").inner_text()
    screenshot(page, "family-account-guardian-activation")
    ward.locator("button", has_text="激活张小安的电子凭证").click()
    page.locator("#wards .person", has_text="张小安").locator(".status-active").wait_for()
    assert page.locator("#wards .person", has_text="张小安").locator("button").count() == 0
    # Now he binds his son as guardian (active at once) and shows the code.
    page.select_option("#request-subject", label="张小安（儿子）")
    page.click("#request-form button")
    page.locator("#held .person", has_text="张小安").locator(".tag", has_text="我是监护人").wait_for()
    page.goto(f"{live_server}/codes")
    page.click("button.chip:has-text('张小安')")
    page.wait_for_selector("#code-panel .subject-name:has-text('张小安')")
