"""In headless Chromium: a clerk imports a catalogue file (first with a problem, then fixed), finds the new item,
and approves the demo pharmacy's pending item mapping; the pharmacy sees it approved."""

import pytest

from backend import demo
from tests.browser.conftest import PHONE, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.one_database]

HEADER = "国家医保编码,名称,目录类别,甲乙类,先行自付比例,最高限价,开始日期,结束日期\n"


def test_a_clerk_imports_a_catalogue_and_approves_a_pharmacys_mapping(page, live_server, tmp_path, open_context):
    clerk = next(s for s in demo.logins()["staff"] if s["role"] == "clerk")
    bad = tmp_path / "catalogue-2026-07.csv"
    bad.write_text(HEADER + "XR05CBA001A001010100001,桉柠蒎肠溶软胶囊 0.3g×12粒,药品,乙,10,28.00,2026-07-01,\n"
                            "XN02BEA002A001010100002,洛索洛芬钠贴剂 50mg×6贴,药品,丁类,,36.00,2026-07-01,\n",
                   encoding="utf-8")
    login(page, live_server, clerk["username"], clerk["password"])
    page.wait_for_url(f"{live_server}/console")
    page.click("nav a[href='/console/catalogue']")
    page.set_input_files("#file", str(bad))
    screenshot(page, "catalogue-upload")
    page.click("#upload button[type=submit]")
    page.wait_for_url(f"{live_server}/console/catalogue/imports/*")
    problems = page.inner_text("#catalogue-import")
    assert "有错误" in problems and "丁类" in problems and "甲乙类应为甲类、乙类或丙类" in problems
    screenshot(page, "catalogue-problems")

    fixed = tmp_path / "catalogue-2026-07-fixed.csv"
    fixed.write_text(bad.read_text(encoding="utf-8").replace("丁类", "乙类"), encoding="utf-8")
    page.goto(f"{live_server}/console/catalogue")
    page.set_input_files("#file", str(fixed))
    page.click("#upload button[type=submit]")
    page.wait_for_url(f"{live_server}/console/catalogue/imports/*")
    done = page.inner_text("#catalogue-import")
    assert "已导入" in done and "新增版本" in done
    screenshot(page, "catalogue-imported")

    page.goto(f"{live_server}/console/catalogue")
    page.fill("#q", "洛索洛芬")  # htmx searches as one types
    page.wait_for_selector("#entries:has-text('洛索洛芬钠贴剂')")
    assert "最高限价每单位 ¥36.00" in page.inner_text("#entries")
    screenshot(page, "catalogue-search")

    page.click("a[href='/console/catalogue/mappings']")
    page.wait_for_selector("#mappings:has-text('医用外科口罩')")
    mapping = page.locator("li.mapping", has_text="医用外科口罩")
    assert "历下区康宁大药房" in mapping.inner_text() and "丙类" in mapping.inner_text()
    screenshot(page, "catalogue-mappings")
    mapping.locator("button", has_text="同意").click()
    page.wait_for_selector("#mappings:has-text('暂无待办')")

    pharmacy = next(p for p in demo.logins()["partners"] if p["kind"] == "pharmacy")
    shop = open_context(**PHONE).new_page()
    shop.goto(f"{live_server}/partner/login")
    shop.fill("#api-key", pharmacy["api_key"])
    shop.click("button[type=submit]")
    shop.wait_for_url(f"{live_server}/partner/**")
    shop.goto(f"{live_server}/partner/mappings")
    surgical = shop.locator("#my-mappings li", has_text="医用外科口罩")
    assert "已通过" in surgical.inner_text()
    screenshot(shop, "partner-mappings")
