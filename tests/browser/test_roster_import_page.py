"""In headless Chromium: an admin uploads a small roster, watches it checked, confirms, and finds the new people."""

import pytest

from backend import demo
from backend.graph.core.ids import to_global_id
from backend.storage.models import RosterImport
from tests.browser.conftest import login, screenshot
from tests.roster_files import id_number, write

pytestmark = [pytest.mark.browser, pytest.mark.one_database]


def test_admin_imports_a_small_roster_and_sees_the_new_people(page, live_server, tmp_path):
    admin = next(s for s in demo.logins()["staff"] if s["role"] == "admin")
    roster = write(tmp_path / "jinan-roster.csv", [
        [id_number(31), "孙悦", "13912340001", "employee", "370102", "active", "2680.00"],
        [id_number(32), "孙丽", "", "resident", "370103", "active", ""],
    ], header=["身份证号", "姓名", "手机号", "险种", "统筹区", "参保状态", "个人账户余额"])

    login(page, live_server, admin["username"], admin["password"])
    page.wait_for_url(f"{live_server}/console")
    page.click("nav a[href='/console/imports']")
    page.set_input_files("#file", str(roster))
    screenshot(page, "roster-upload")
    page.click("#upload button[type=submit]")
    page.wait_for_url(f"{live_server}/console/imports/*")
    page.wait_for_selector("#import-state:has-text('可以导入')")  # the page polls the job until it is checked
    assert "新增 2 人" in page.inner_text("#import-status")
    screenshot(page, "roster-ready")
    page.click("#confirm")
    page.wait_for_selector("#import-done", timeout=20_000)
    assert "新增 2 人" in page.inner_text("#import-done")
    screenshot(page, "roster-done")

    page.goto(f"{live_server}/console/people?q=孙")
    page.wait_for_selector("#results")
    found = page.inner_text("#results")
    assert "孙悦" in found and "孙丽" in found


CHINESE = ["身份证号", "姓名", "电话", "险种", "统筹区", "参保状态", "个人账户余额"]


def _reload_until(page, selector: str, text: str, tries: int = 40) -> None:
    """Without JavaScript nothing polls: reload as a person would until the job has moved on."""
    for _ in range(tries):
        if text in page.inner_text(selector):
            return
        page.wait_for_timeout(250)
        page.reload()
    raise AssertionError(f"{text!r} never appeared in {selector}")


def test_without_javascript_an_admin_uploads_confirms_and_is_told_a_file_came_twice(open_context, live_server,
                                                                                     tmp_path):
    from tests.browser.conftest import PHONE

    page = open_context(**PHONE, java_script_enabled=False).new_page()
    admin = next(s for s in demo.logins()["staff"] if s["role"] == "admin")
    roster = write(tmp_path / "nightly.csv", [[id_number(41), "孙悦", "+86 139-1234-0041", "职工", "370102", "参保",
                                               "88.00"]], header=CHINESE)
    login(page, live_server, admin["username"], admin["password"])
    page.goto(f"{live_server}/console/imports")
    page.set_input_files("#file", str(roster))
    page.click("#upload button[type=submit]")  # a plain multipart post: the form's csrf_token field is honoured
    page.wait_for_url(f"{live_server}/console/imports/*")
    _reload_until(page, "#import-state", "可以导入")
    assert "“电话”列按“手机号”读取" in page.inner_text("#renamed-columns")
    page.click("#confirm")
    _reload_until(page, "#import-state", "已导入")
    assert "新增 1 人" in page.inner_text("#import-done")

    page.goto(f"{live_server}/console/imports")
    page.set_input_files("#file", str(roster))
    page.click("#upload button[type=submit]")
    page.wait_for_url(f"{live_server}/console/imports/*?again=1")
    notice = page.inner_text("#import-again")
    assert "此文件已于" in notice and "由管理员 周强导入，本次未做任何更改" in notice
    screenshot(page, "roster-again")

    page.goto(f"{live_server}/console/people?q=13912340041")  # the phone was stored as search finds it
    assert "孙悦" in page.inner_text("#results")


def test_problems_name_the_files_columns_and_progress_counts_rows(page, live_server, rt, tmp_path):
    from backend.services.roster import roster as imports
    from tests.roster_files import CLI

    admin = next(s for s in demo.logins()["staff"] if s["role"] == "admin")
    bad = write(tmp_path / "bad.csv", [[id_number(42), "孙丽", "", "居民", "370102", "退休", ""]], header=CHINESE)
    login(page, live_server, admin["username"], admin["password"])
    page.wait_for_url(f"{live_server}/console")
    page.goto(f"{live_server}/console/imports")
    page.set_input_files("#file", str(bad))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#import-state:has-text('有错误')")
    cells = page.locator("#problems tbody tr").first.locator("td").all_inner_texts()
    assert cells[:3] == ["2", "参保状态", "退休"] and cells[3].startswith("参保状态应为")
    screenshot(page, "roster-problems")

    # A long check: the page counts rows against the file's total, and moves while it polls.
    running, _ = imports.start(rt, CLI, write(tmp_path / "big.csv", []), "big.csv")
    rt.db.write(lambda s: s.connection().execute(
        RosterImport.__table__.update().where(RosterImport.__table__.c.id == running.id)
        .values(status="validating", total_rows=100_000, rows_processed=40_000)))
    page.goto(f"{live_server}/console/imports/{to_global_id('RosterImport', running.id)}")
    assert "已校验 40,000 / 100,000 行" in page.inner_text("#import-count")
    rt.db.write(lambda s: s.connection().execute(
        RosterImport.__table__.update().where(RosterImport.__table__.c.id == running.id).values(rows_processed=80_000)))
    page.wait_for_selector("#import-count:has-text('已校验 80,000 / 100,000 行')")
    assert page.get_attribute("#import-progress", "value") == "80000"
