"""In headless Chromium at 360 px: elderly mode (适老化) switched on from a page, kept for the person, and
what it changes: text at least 20 px, every tap target at least 48 px, and a code page that is the QR,
the name, the countdown and one "switch person" button, whose refresh and payment are announced."""

import re

import pytest

from backend import demo
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.one_database]

SMALL_PHONE = {"width": 360, "height": 740}
HOUSEHOLD_PAGES = ["/family", "/codes", "/bindings", "/grants", "/statement", "/account/password"]
# Visible controls smaller than 48 x 48 CSS px (links inside running text excepted: none on these pages).
SMALL_TARGETS = """() => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select')]
  .filter(el => el.offsetParent !== null && !el.closest('.visually-hidden'))
  .map(el => ({el: el.outerHTML.slice(0, 80), box: el.getBoundingClientRect()}))
  .filter(t => t.box.width < 48 || t.box.height < 48)
  .map(t => `${t.el} ${Math.round(t.box.width)}x${Math.round(t.box.height)}`)"""
SMALL_TEXT = """() => [...document.querySelectorAll('main p, main li, main td, main th, main dt, main dd, main label')]
  .filter(el => el.offsetParent !== null && el.textContent.trim())
  .filter(el => parseFloat(getComputedStyle(el).fontSize) < 20)
  .map(el => `${el.tagName} ${getComputedStyle(el).fontSize} ${el.textContent.trim().slice(0, 30)}`)"""


def _person(name):
    return next(p for p in demo.logins()["people"] if p["name"] == name)


@pytest.fixture
def phone(open_context):
    def open_(locale="zh-CN"):
        page = open_context(viewport=SMALL_PHONE, locale=locale).new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        return page
    return open_


def test_elderly_mode_is_switched_on_a_page_kept_and_makes_everything_large(rt, phone, live_server):
    grandma = _person("王秀英")
    page = phone()
    login(page, live_server, grandma["id_number"], grandma["password"])
    page.wait_for_url(f"{live_server}/family")
    assert page.get_attribute(".elderly-switch button", "aria-pressed") == "false"
    page.click(".elderly-switch button")
    page.wait_for_selector("body.elderly")
    assert page.url == f"{live_server}/family"  # back on the same page
    assert page.get_attribute(".elderly-switch button", "aria-pressed") == "true"
    for path in HOUSEHOLD_PAGES:
        page.goto(f"{live_server}{path}")
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20, path
        assert page.evaluate(SMALL_TEXT) == [], path
        assert page.evaluate(SMALL_TARGETS) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path  # nothing runs off the side
        assert page.locator(".explain:visible").count() == 0, path  # fewer words
    # Kept with the person, not the browser: another phone signing in gets it too, until she turns it off.
    other = phone("en-US")
    login(other, live_server, grandma["phone"], grandma["password"])
    other.wait_for_url(f"{live_server}/family")
    assert other.evaluate("document.body.classList.contains('elderly')")
    other.click(".elderly-switch button")
    other.wait_for_selector("body:not(.elderly)")
    page.reload()
    assert not page.evaluate("document.body.classList.contains('elderly')")


def test_the_elderly_code_page_is_the_qr_the_name_the_countdown_and_one_button(rt, phone, live_server):
    father = _person("张伟")
    for locale, suffix in (("zh-CN", "zh"), ("en-US", "en")):
        page = phone(locale)
        login(page, live_server, father["id_number"], father["password"])
        page.wait_for_url(f"{live_server}/family")
        if not page.evaluate("document.body.classList.contains('elderly')"):
            page.click(".elderly-switch button")
            page.wait_for_selector("body.elderly")
        page.goto(f"{live_server}/codes")
        page.wait_for_selector("#code-panel .qr svg")
        main = page.locator("main")
        visible = main.evaluate("""m => [...m.querySelectorAll('h1, h2, h3, p, a, button, label, li, td, th, dt, dd')]
            .filter(el => el.offsetParent !== null && !el.closest('.visually-hidden') && el.textContent.trim())
            .map(el => el.textContent.trim())""")
        assert len(visible) == 3, visible  # the name, the countdown, the button (the QR is an image)
        assert visible[0] == "张伟" and re.fullmatch(r"\d+ (秒|seconds)", " ".join(visible[1].split()))
        assert main.locator(".qr svg").count() == 1 and main.locator("button, a, select, input:visible").count() == 1
        screenshot(page, f"household-code-elderly-{suffix}")
        page.click("a.switch-person")
        page.wait_for_selector("#code-panel .qr svg")
        assert page.inner_text("#code-panel h2.subject-name") in {"王秀英", "张小宝"}  # the next one he may show


def test_a_new_code_and_the_payment_are_announced_in_a_live_region(rt, phone, live_server):
    rt.settings = rt.settings.model_copy(update={"code_ttl_seconds": 4})  # refreshes after 3 s
    father = _person("张伟")
    page = phone("en-US")
    login(page, live_server, father["id_number"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    page.goto(f"{live_server}/codes")
    page.wait_for_selector("#code-panel .qr svg")
    live = page.locator("#announcer")
    assert live.get_attribute("role") == "status" and live.get_attribute("aria-live") == "polite"
    assert page.get_attribute(".countdown", "role") == "timer"
    page.wait_for_function("() => document.getElementById('announcer').textContent.includes('valid for 4 seconds')",
                           timeout=10_000)
    assert "张伟" in live.inner_text()
    code = page.inner_text("[data-code]").strip()

    from datetime import date

    from sqlmodel import select

    from backend.domain.settlement import BillLine, VisitType
    from backend.principals import Actor, Channel, Principal, PrincipalKind
    from backend.services.money import settlement
    from backend.storage.models import Institution
    with rt.db.read() as s:
        pharmacy = s.exec(select(Institution).where(Institution.kind == "pharmacy")).one()
    rt.settings = rt.settings.model_copy(update={"code_ttl_seconds": 60})
    partner = Actor(Principal(PrincipalKind.PARTNER, pharmacy.id, pharmacy.name, "pharmacy"), Channel.GRAPHQL)
    shown = page.inner_text("[data-code]").strip() or code
    settlement.settle(rt, partner, settlement.SettleRequest(
        code=shown, visit_type=VisitType.PHARMACY, service_date=date(2026, 3, 2), idempotency_key="announce-0001",
        lines=[BillLine("86900001", "阿莫西林", None, 12_00, 1)]))
    page.wait_for_function("() => document.getElementById('announcer').textContent.startsWith('Settled at')",
                           timeout=10_000)
    assert "Cash to pay" in live.inner_text()


# The QR image and what a scanner needs around it: the quiet zone (white, in modules: the viewBox's units
# are not assumed, the module size comes from the symbol's own width), and whether it fits in its card.
QR_FIT = """() => {
  const svg = document.querySelector('#code-panel .qr svg'), card = svg.closest('.card');
  const box = svg.getBoundingClientRect(), outer = card.getBoundingClientRect(), style = getComputedStyle(card);
  const inner = {left: outer.left + parseFloat(style.borderLeftWidth), right: outer.right - parseFloat(style.borderRightWidth),
                 top: outer.top + parseFloat(style.borderTopWidth), bottom: outer.bottom - parseFloat(style.borderBottomWidth)};
  const view = svg.viewBox.baseVal, dark = svg.querySelector('path').getBBox();
  return {inside: box.left >= inner.left && box.right <= inner.right && box.top >= inner.top && box.bottom <= inner.bottom,
          box: [box.left, box.right, inner.left, inner.right].map(Math.round), symbol: dark.width,
          gaps: [dark.x, dark.y, view.width - dark.x - dark.width, view.height - dark.y - dark.height],
          background: getComputedStyle(svg).backgroundColor, pageWidth: document.documentElement.scrollWidth};
}"""


def test_the_qr_code_sits_inside_its_card_with_four_modules_of_white_around_it(rt, phone, live_server):
    from backend.qr import qr_version

    father = _person("张伟")
    page = phone()
    login(page, live_server, father["id_number"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    page.goto(f"{live_server}/codes")
    modules = 17 + 4 * qr_version("YB1" + "A" * 42)  # a version-v symbol is 17 + 4v modules wide; codes are all alike
    for mode in ("normal", "elderly"):
        if mode == "elderly":
            page.click(".elderly-switch button")
            page.wait_for_selector("body.elderly #code-panel .qr svg")
        for width in (320, 360):
            page.set_viewport_size({"width": width, "height": 740})
            page.wait_for_selector("#code-panel .qr svg")
            fit = page.evaluate(QR_FIT)
            module = fit["symbol"] / modules
            where = f"{mode} at {width} px: {fit}"
            assert fit["inside"] and fit["pageWidth"] <= width, where
            assert all(gap >= 4 * module - 1e-6 for gap in fit["gaps"]), where
            assert fit["background"] == "rgb(255, 255, 255)", where
