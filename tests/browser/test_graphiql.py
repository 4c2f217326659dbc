"""In headless Chromium: GraphiQL in development runs a query offline, under the strict policy.

Every script, style and font comes from this server's /static/, so the page works without internet
access; the CSP watcher of conftest fails the test on anything inline or from elsewhere.
"""

from urllib.parse import urlsplit

import pytest

from backend import demo

pytestmark = [pytest.mark.browser, pytest.mark.one_database]

VIEWER = "{ viewer { __typename } }"
# GraphiQL's editors are CodeMirror 5 instances, each reachable from its wrapper element.
SET_EDITOR = "([selector, text]) => document.querySelector(selector + ' .CodeMirror').CodeMirror.setValue(text)"
READ_RESPONSE = "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"


def test_graphiql_runs_a_query_with_a_bearer_loading_nothing_from_elsewhere(page, live_server):
    pharmacy_key = next(k for k in demo.logins()["partners"] if k["kind"] == "pharmacy")["api_key"]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server}/graphql")
    page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=15_000)
    page.click("button:has-text('Headers')")
    headers_editor = ".graphiql-editor-tool .graphiql-editor:not(.hidden)"
    page.wait_for_selector(f"{headers_editor} .CodeMirror")
    page.evaluate(SET_EDITOR, [headers_editor, f'{{"Authorization": "Bearer {pharmacy_key}"}}'])
    page.evaluate(SET_EDITOR, [".graphiql-query-editor", VIEWER])
    page.click(".graphiql-execute-button")
    page.wait_for_function(f"() => ({READ_RESPONSE})().includes('Institution')", timeout=10_000)

    assert '"__typename": "Institution"' in page.evaluate(READ_RESPONSE)
    assert requested, "the page made no requests at all"
    elsewhere = [url for url in requested if urlsplit(url).netloc != urlsplit(live_server).netloc]
    assert not elsewhere, elsewhere
    assert any(url.endswith(".woff2") for url in requested), "GraphiQL's fonts should come from /static/"
