"""In headless Chromium: the dashboard a clerk lands on, with its chart; a clerk finds a person by part
of a name. Both take screenshots for the staff guide (docs/guide/staff.md)."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from backend import demo
from backend.domain.settlement import BillLine, Category, VisitType
from backend.principals import Actor, Channel, Principal, PrincipalKind
from backend.services.family_account import codes
from backend.services.money import settlement
from backend.storage.models import Institution, Person
from tests.browser.conftest import login, screenshot
from tests.helpers import household_principal, person

pytestmark = [pytest.mark.browser, pytest.mark.one_database]
DESKTOP = {"viewport": {"width": 1100, "height": 900}, "locale": "zh-CN"}


def _settle_today(rt) -> None:
    """Two demo settlements: the fund and the father's own account pay his, his grant pays his son's."""
    with rt.db.read() as s:
        father = s.exec(select(Person).where(Person.phone == "13800000001")).one()
        son = s.exec(select(Person).where(Person.name == "张小宝")).one()
        pharmacy = s.exec(select(Institution).where(Institution.kind == "pharmacy")).one()
    partner = Actor(Principal(PrincipalKind.PARTNER, pharmacy.id, pharmacy.name, "pharmacy"), Channel.GRAPHQL)
    for i, (subject, boxes) in enumerate(((father, 80), (son, 3))):
        code = codes.issue_code(rt, Actor(household_principal(father), Channel.WEB), subject.id).text
        settlement.settle(rt, partner, settlement.SettleRequest(
            code=code, visit_type=VisitType.PHARMACY, service_date=date(2026, 3, 2), idempotency_key=f"dashboard-{i}",
            lines=[BillLine("86900001", "阿莫西林", Category.A, 2500, boxes),
                   BillLine("69000002", "喉糖", Category.NON_MEDICAL, 850, 1)]))


def test_the_dashboard_shows_who_paid_todays_bills(open_context, rt, live_server):
    _settle_today(rt)
    page = open_context(**DESKTOP).new_page()
    clerk = next(s for s in demo.logins()["staff"] if s["role"] == "clerk")
    login(page, live_server, clerk["username"], clerk["password"])
    page.wait_for_url(f"{live_server}/console")
    chart = page.locator("svg#split-chart")
    chart.wait_for()
    assert chart.bounding_box()["width"] > 300
    assert page.locator("svg#split-chart rect.part-own").count() == 3  # today, this month, legend
    assert page.locator("svg#split-chart rect.part-aid").count() == 3
    assert page.locator("svg#split-chart rect.part-fund").count() == 3
    # Both bars on one scale, each total printed at its bar's end (all of this month's bills are today's).
    totals = page.locator("svg#split-chart text.chart-total").all_text_contents()
    assert len(totals) == 2 and totals[0] == totals[1] and totals[0].startswith("¥")
    assert totals[0] in page.locator("#split-table tr.due").inner_text()
    table = page.locator("#split-table").inner_text()
    assert "家庭共济" in table and "本人个人账户" in table and "今日" in table
    assert page.locator("#pending-claims .count").inner_text() == "1"
    screenshot(page, "staff-dashboard")


def test_a_clerk_finds_a_person_by_part_of_her_name(page, live_server):
    clerk = next(s for s in demo.logins()["staff"] if s["role"] == "clerk")
    login(page, live_server, clerk["username"], clerk["password"])
    page.wait_for_url(f"{live_server}/console")
    page.click("nav >> text=查询参保人")
    page.fill("#q", "秀英")
    page.click("button[type=submit] >> text=查询")
    results = page.locator("#results")
    results.wait_for()
    assert results.locator("li").count() == 1 and "王秀英" in results.inner_text()
    assert "济南市历下区" in results.inner_text()  # the district, not only the city
    screenshot(page, "staff-search")
    results.locator("a", has_text="王秀英").click()
    page.locator("h1", has_text="王秀英").wait_for()
    assert "13800000003" in page.content()


def test_a_clerk_pages_through_many_matches(rt, page, live_server):
    for i in range(23):
        person(rt, f"司马{chr(0x4E00 + i)}", date(1980, 1, 1) + timedelta(days=i), password=None)
    clerk = next(s for s in demo.logins()["staff"] if s["role"] == "clerk")
    login(page, live_server, clerk["username"], clerk["password"])
    page.wait_for_url(f"{live_server}/console")
    page.goto(f"{live_server}/console/people?q=司马")
    assert page.locator("#results li").count() == 20 and "第 1 页，共 2 页" in page.inner_text("#pager")
    page.click("#pager a[rel=next]")
    page.wait_for_selector("#pager:has-text('第 2 页')")
    assert page.locator("#results li").count() == 3
    page.click("#pager a[rel=prev]")
    page.wait_for_selector("#pager:has-text('第 1 页')")
