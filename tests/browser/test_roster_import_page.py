"""In headless Chromium: an admin uploads a small roster, watches it checked, confirms, and finds the new people."""

import pytest

from backend import demo
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
