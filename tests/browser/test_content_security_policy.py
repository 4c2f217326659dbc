"""The violation watcher every browser test relies on does catch what the policy blocks."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.one_database]


def test_an_inline_style_is_blocked_and_reported(page, live_server, csp_violations):
    page.goto(f"{live_server}/login")
    page.evaluate("document.body.setAttribute('style', 'background: red')")
    page.wait_for_function("getComputedStyle(document.body).backgroundColor !== ''")
    page.evaluate("0")  # a round trip, so the report has arrived
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    assert any(v.get("directive") == "style-src-attr" for v in csp_violations), csp_violations
    csp_violations.clear()  # caught on purpose; the watcher's own teardown check must still pass
