"""axe-core (vendored, pinned) on every household page, at 360 px, in Chinese and English, in the usual
and the elderly mode: any serious or critical violation fails. The markup does not depend on the
database, so this runs on SQLite only; the journeys run on both."""

import hashlib
from pathlib import Path

import pytest

from backend import demo
from backend.principals import Actor, Channel, Principal, PrincipalKind
from backend.services.people import preferences
from tests.browser.conftest import login
from tests.browser.demo_bills import settle_demo_bills

pytestmark = [pytest.mark.browser, pytest.mark.one_database]

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
HOUSEHOLD_PAGES = ["/family", "/codes", "/bindings", "/grants", "/statement", "/account/password"]
SMALL_PHONE = {"width": 360, "height": 740}
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe_source() -> str:
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, "the vendored axe-core is not the pinned file"
    return source.decode()


def _violations(page, axe_source) -> list[dict]:
    # Evaluated through the DevTools protocol, not as a <script>: the page's CSP stays as strict as it is.
    page.evaluate(axe_source)
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))""")
    return [v for v in found if v["impact"] in BLOCKING]


# Where the focused element stands in the document (-1: nothing focused).
FOCUS_AT = "() => document.activeElement === document.body ? -1 : [...document.querySelectorAll('*')].indexOf(document.activeElement)"


def _focus_goes_backwards(page, stops: int = 80) -> list[int]:
    """Tab from the top until the focus leaves the page: the document positions it visited. Any step
    back (a positive tabindex, or controls placed out of reading order) ends the walk early."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    seen: list[int] = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        at = page.evaluate(FOCUS_AT)
        if at == -1 or (seen and at == seen[0]):  # out of the page, or wrapped round to the top
            return []
        if seen and at <= seen[-1]:
            return seen + [at]
        seen.append(at)
    return seen + ["no end"]


def _father(rt):
    father = next(p for p in demo.logins()["people"] if p["name"] == "张伟")
    from sqlmodel import select

    from backend.storage.models import Person
    with rt.db.read() as s:
        row = s.exec(select(Person).where(Person.phone == father["phone"])).one()
    return father, Actor(Principal(PrincipalKind.HOUSEHOLD, row.id, row.name), Channel.WEB)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("elderly", [False, True], ids=["usual", "elderly"])
def test_household_pages_have_no_serious_accessibility_violations(rt, open_context, live_server, axe_source,
                                                                  locale, elderly):
    settle_demo_bills(rt)
    father, actor = _father(rt)
    preferences.set_elderly_mode(rt, actor, elderly)
    page = open_context(viewport=SMALL_PHONE, locale=locale).new_page()
    login(page, live_server, father["id_number"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    report = {}
    for path in ["/login", *HOUSEHOLD_PAGES]:
        if path == "/login":
            anonymous = open_context(viewport=SMALL_PHONE, locale=locale).new_page()
            anonymous.goto(f"{live_server}/login")
            report[path] = _violations(anonymous, axe_source)
            continue
        page.goto(f"{live_server}{path}")
        assert page.evaluate("document.body.classList.contains('elderly')") is elderly
        report[path] = _violations(page, axe_source)
        # A logical focus order: Tab walks the controls in reading order, then leaves the page.
        assert _focus_goes_backwards(page) == [], path
    assert {path: v for path, v in report.items() if v} == {}


def test_the_vendored_axe_finds_what_it_should(open_context, live_server, axe_source):
    """A control without a label, on a page of ours, is reported: the check cannot pass by finding nothing."""
    page = open_context(viewport=SMALL_PHONE).new_page()
    page.goto(f"{live_server}/login")
    page.evaluate("document.querySelector('#username').removeAttribute('id')")
    page.evaluate("document.querySelectorAll('label').forEach(l => l.remove())")
    assert "label" in {v["id"] for v in _violations(page, axe_source)}


def test_the_partner_and_staff_pages_and_their_confirmation_have_no_serious_violations(open_context, live_server,
                                                                                       axe_source):
    admin = next(s for s in demo.logins()["staff"] if s["role"] == "admin")
    page = open_context(viewport=SMALL_PHONE, locale="zh-CN").new_page()
    login(page, live_server, admin["username"], admin["password"])
    page.wait_for_url(f"{live_server}/console")
    report = {}
    for path, row, action in (("/console/partners", "#partner-1", "disable"), ("/console/staff", "#staff-clerk01", "disable")):
        page.goto(f"{live_server}{path}")
        form = page.locator(f"{row} form[action='{path}/{action}']")
        form.locator("input[name=reason]").fill("无障碍检查")
        form.locator("button").click()
        page.locator(f"{row} dialog.confirm").wait_for()
        report[path] = _violations(page, axe_source)
    assert not any(report.values()), report
