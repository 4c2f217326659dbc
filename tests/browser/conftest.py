"""A live server on demo data and Debian's headless Chromium driven by Playwright.

Every browser context a test opens goes through `open_context`, which watches for Content-Security-Policy
violations; a test that caused one fails at teardown, so a page that needs inline script or style
cannot slip in.
"""

from __future__ import annotations

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN"}

# Reported to Python at once, so a violation on a page the test then navigates away from is not lost.
WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolation({
  directive: e.effectiveDirective, blocked: e.blockedURI, source: `${e.sourceFile}:${e.lineNumber}`,
  sample: e.sample, page: document.location.pathname}), true);
"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def csp_violations() -> list:
    """What every context of the current test reported: securitypolicyviolation events and console errors."""
    return []


@pytest.fixture
def open_context(browser, csp_violations):
    opened = []

    def open_(**options):
        context = browser.new_context(**options)
        context.expose_binding("__cspViolation", lambda _source, violation: csp_violations.append(violation))
        context.add_init_script(WATCH_CSP)
        context.on("console", lambda message: csp_violations.append({"console": message.text})
                   if "Content Security Policy" in message.text else None)
        opened.append(context)
        return context

    yield open_
    for context in opened:
        for page in context.pages:  # one round trip each, so reports still in flight arrive
            try:
                page.evaluate("0")
            except Exception:  # noqa: BLE001 - a page that already went away has nothing left to report
                pass
    for context in opened:
        context.close()
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(map(str, csp_violations))


@pytest.fixture
def page(open_context):
    page = open_context(**PHONE).new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm on destructive actions
    return page


def login(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


# Screenshots for the guides in docs/ are taken by the browser tests themselves, only when asked
# (`make screenshots` sets YIBAO_SCREENSHOTS to the folder): a normal run writes nothing and needs no fonts.
def screenshot(page, name: str) -> None:
    import os
    from pathlib import Path

    folder = os.environ.get("YIBAO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        # caret="initial": hiding the caret makes Playwright inject a <style>, which the strict policy blocks.
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True, caret="initial")
