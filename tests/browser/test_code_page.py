"""In headless Chromium: a parent shows their mother's code; a pharmacy resolves it with its API key."""

import re

import pytest

from backend import demo
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.one_database]

RESOLVE = """query($code: String!) { resolveCode(code: $code) { __typename
  ... on ResolvedCode { subject { maskedName insuranceActive } presentedBy { isSubject maskedName relationshipToSubject } }
  ... on OperationError { code } } }"""


def test_parent_shows_mothers_code_which_refreshes_and_a_pharmacy_resolves_it(rt, open_context, page, live_server):
    rt.settings = rt.settings.model_copy(update={"code_ttl_seconds": 4})  # refreshes after 3 s
    logins = demo.logins()
    father = next(p for p in logins["people"] if p["name"] == "张伟")
    pharmacy_key = next(k for k in logins["partners"] if k["kind"] == "pharmacy")["api_key"]

    login(page, live_server, father["id_number"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    page.click("a[href='/codes']")
    page.wait_for_selector("#code-panel .qr svg")
    page.click("button.chip:has-text('王秀英')")
    page.wait_for_selector("#code-panel .subject-name:has-text('王秀英')")
    assert page.locator("button.chip.chosen").all_inner_texts() == ["王秀英"]
    panel = page.locator("#code-panel")
    assert "张伟" in panel.inner_text()  # whose phone shows it
    assert panel.locator(".qr svg").count() == 1
    countdown = panel.locator("[data-seconds-left]")
    assert re.fullmatch(r"\d+", countdown.inner_text())
    first = page.inner_text("[data-code]")
    page.wait_for_function("(first) => document.querySelector('[data-code]').textContent.trim() !== first",
                           arg=first, timeout=10_000)
    second = page.inner_text("[data-code]").strip()
    assert second != first and second.startswith("YB1")
    assert "王秀英" in page.inner_text("#code-panel .subject-name")

    pharmacy = open_context()

    def resolve(code):
        response = pharmacy.request.post(f"{live_server}/graphql", data={"query": RESOLVE, "variables": {"code": code}},
                                         headers={"Authorization": f"Bearer {pharmacy_key}"})
        return response.json()["data"]["resolveCode"]

    assert resolve(second) == {"__typename": "ResolvedCode",
                               "subject": {"maskedName": "王*英", "insuranceActive": True},
                               "presentedBy": {"isSubject": False, "maskedName": "张*",
                                               "relationshipToSubject": "CHILD"}}
    # The code shown before the refresh still works until its own minute is up.
    assert resolve(first)["__typename"] == "ResolvedCode"


def test_choosing_who_pays_first_issues_a_code_with_that_choice(rt, page, live_server):
    from sqlmodel import select

    from backend.domain.codes import code_digest
    from backend.storage.models import PresentedCode

    father = next(p for p in demo.logins()["people"] if p["name"] == "张伟")
    login(page, live_server, father["id_number"], father["password"])
    page.wait_for_url(f"{live_server}/family")
    page.goto(f"{live_server}/codes")
    page.wait_for_selector("#code-panel .qr svg")
    first = page.inner_text("[data-code]").strip()
    page.select_option("#payer", "cash")
    page.wait_for_function("(first) => document.querySelector('[data-code]').textContent.trim() !== first", arg=first)
    assert page.eval_on_selector("#payer", "el => el.value") == "cash"
    with rt.db.read() as s:
        row = s.exec(select(PresentedCode).where(
            PresentedCode.code_sha256 == code_digest(page.inner_text("[data-code]").strip()))).one()
    assert '"cash_only": true' in row.payer_order
