"""The staff console's home is the dashboard; claims moved to /console/claims."""

import re
from datetime import date

from starlette.testclient import TestClient

from backend.domain.money import yuan
from tests.helpers import person, relate, staff
from tests.money import jinan_family, line, settle_for
from web.app import create_app


def _staff_client(rt, role):
    staff(rt, role, username=f"{role}d")
    client = TestClient(create_app(rt))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": f"{role}d", "password": "pw", "csrf_token": token})
    return client


def test_the_dashboard_shows_todays_split_as_a_chart_and_a_table(rt):
    fam = jinan_family(rt)
    settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("A", 120_00), line("NON_MEDICAL", 8_50, code="N")])
    with _staff_client(rt, "clerk") as clerk:
        page = clerk.get("/console")
    assert page.status_code == 200
    html = page.text
    assert '<svg class="chart" id="split-chart"' in html and 'aria-describedby="split-table"' in html
    # The deductible takes the whole List A line: the own account pays it, cash the rest; a segment in
    # today's bar and this month's, and each part once more in the legend.
    assert html.count('class="part-own"') == html.count('class="part-cash"') == 3
    assert html.count('class="part-fund"') == html.count('class="part-aid"') == 1
    assert "本人个人账户 ¥120.00" in html and "费用由谁支付" in html
    table = html[html.index('id="split-table"'):html.index("</table>", html.index('id="split-table"'))]
    assert f"¥{yuan(128_50)}" in table  # the bill, today and this month
    assert 'id="pending-claims"' in html and 'href="/console/claims"' in html


def test_todays_bar_is_drawn_on_the_months_scale_and_both_totals_are_printed(rt, clock):
    from web.charts import BAR_WIDTH

    fam = jinan_family(rt)
    settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("A", 300_00)])
    clock.advance(days=1)
    settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("NON_MEDICAL", 100_00, code="N")])
    with _staff_client(rt, "clerk") as clerk:
        html = clerk.get("/console").text
    chart = html[html.index('<svg class="chart"'):html.index("</svg>")]
    rows = dict(re.findall(r'<g class="bar-row" data-period="(\w+)">(.*?)</g>', chart, re.S))

    def length(row):
        return sum(int(w) for w in re.findall(r'<rect class="part-\w+" x="\d+" y="\d+" width="(\d+)"', row))

    assert (length(rows["today"]), length(rows["thisMonth"])) == (BAR_WIDTH // 4, BAR_WIDTH)  # ¥100 of ¥400
    assert re.search(r'class="chart-total">¥100.00</text>', rows["today"])
    assert re.search(r'class="chart-total">¥400.00</text>', rows["thisMonth"])
    assert re.search(r'class="chart-amount">¥100.00</text>', rows["thisMonth"])  # the cash part, printed


def test_claims_wait_on_their_own_page(rt):
    clerk_principal = staff(rt, "clerk")
    me = person(rt, "张晓雨", date(2004, 7, 1))
    relate(rt, me, person(rt, "李德明", date(1950, 1, 1)), "maternal_grandparent")
    relate(rt, me, person(rt, "张伟", date(1978, 1, 1)), "parent", verify_with=clerk_principal)
    with _staff_client(rt, "clerk") as clerk:
        board = clerk.get("/console").text
        assert re.search(r'id="pending-claims".*?<span class="count">1</span>', board, re.S)
        assert "李德明" not in board  # figures only: no one's data on the dashboard
        claims = clerk.get("/console/claims")
        assert claims.status_code == 200 and "李德明" in claims.text


def test_auditors_and_admins_see_the_newest_roster_imports_clerks_do_not_ask(rt, tmp_path):
    from tests.roster_files import id_number, import_file, write

    path = write(tmp_path / "nightly.csv", [[id_number(1), "王强", "", "resident", "370102", "active", ""]])
    assert import_file(rt, path).status == "done"
    with _staff_client(rt, "admin") as admin:
        board = admin.get("/console").text
    imports = board[board.index('id="roster-imports"'):]
    assert "nightly.csv" in imports and "已导入" in imports and 'href="/console/imports"' in imports
    with _staff_client(rt, "clerk") as clerk:
        page = clerk.get("/console")
    assert page.status_code == 200 and 'id="roster-imports"' not in page.text and "nightly.csv" not in page.text
