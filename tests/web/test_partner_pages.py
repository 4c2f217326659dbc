"""The partner sandbox pages over HTTP: API-key sign-in, resolving, settling in yuan, refunding."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlmodel import select
from starlette.testclient import TestClient

from backend.principals import Actor, Channel
from backend.services.admin import partners
from backend.services.family_account import codes
from backend.storage.models import ApiKey, IdempotencyKey, Settlement, SettlementLine
from tests.helpers import actor_of, count, partner, staff
from tests.money import grant, jinan_family, map_lines
from web.app import create_app
from web.forms import FieldError, yuan_to_fen

pytestmark = [pytest.mark.serializable, pytest.mark.pooler]


@pytest.fixture
def client(rt):
    # English, so the assertions read the msgids whatever the catalog holds.
    with TestClient(create_app(rt), base_url="http://testserver", headers={"Accept-Language": "en"}) as c:
        yield c


@pytest.fixture
def fam(rt):
    return jinan_family(rt)


@pytest.fixture
def shop(rt):
    """A pharmacy whose API key we hold (jinan_family's partners keep theirs), its items mapped to the test
    catalogue (the tissues are not: outside the catalogue)."""
    principal, key = partner(rt, "pharmacy")
    map_lines(rt, principal.id, [{"itemCode": "A001", "category": "A"}, {"itemCode": "B002", "category": "B"}])
    return principal, key


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


def _sign_in(client, key: str):
    page = client.get("/partner/login")
    return client.post("/partner/login", data={"apiKey": key, "csrf_token": _csrf(page.text)}, follow_redirects=False)


def _checkout_form(page_html: str, code: str, lines, action: str = "settle", **extra) -> dict:
    data = {"csrf_token": _csrf(page_html), "idempotencyKey": _hidden(page_html, "idempotencyKey"), "code": code,
            "visitType": "PHARMACY", "serviceDate": "2026-03-02", "action": action}
    for i, (item, name, category, price, quantity) in enumerate(lines):
        data.update({f"line-{i}-itemCode": item, f"line-{i}-name": name, f"line-{i}-category": category,
                     f"line-{i}-price": price, f"line-{i}-quantity": quantity})
    return {**data, **extra}


def _code_for(rt, presenter, subject) -> str:
    return codes.issue_code(rt, actor_of(presenter), subject.id).text


def _settlements(rt) -> list[Settlement]:
    with rt.db.read() as s:
        return list(s.exec(select(Settlement)).all())


def test_yuan_become_fen_exactly():
    assert [yuan_to_fen(t) for t in ("12.50", "12.5", "12", "0.01", " ¥3,256.80 ".replace(",", ""), ".5")] == [
        1250, 1250, 1200, 1, 325680, 50]
    for text, message in (("12.505", "at most two decimal"), ("-1", "negative"), ("1e3", "for example"),
                          ("abc", "for example"), ("", "Required"), ("12.500", "at most two decimal")):
        with pytest.raises(FieldError) as refused:
            yuan_to_fen(text)
        assert message in refused.value.message, text


def test_a_wrong_key_is_refused_beside_the_field(client, rt, shop):
    _, key = shop
    r = _sign_in(client, key[:-2] + "xx")
    assert r.status_code == 400
    assert 'id="api-key-error"' in r.text and 'aria-invalid="true"' in r.text
    assert "This API key is not valid" in r.text
    r = client.get("/partner/checkout", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/partner/login"


def test_unknown_revoked_and_disabled_keys_get_the_same_answer_at_the_sandbox(client, rt):
    admin = Actor(staff(rt, "admin"), Channel.CONSOLE)
    _, revoked = partner(rt)
    partners.revoke_key(rt, admin, revoked.split("_")[1], reason="leaked")
    other, of_disabled = partner(rt)
    partners.disable_partner(rt, admin, other.id, reason="contract ended")
    csrf = re.compile(r'name="csrf_token" value="[^"]+"')
    answers = {(r.status_code, csrf.sub("", r.text)) for r in (
        _sign_in(client, key) for key in ("yb_0123456789ab_made-up-secret", revoked, of_disabled))}
    assert len(answers) == 1 and next(iter(answers))[0] == 400


def test_sign_in_with_the_key_shows_the_checkout_page(client, rt, shop):
    institution, key = shop
    r = _sign_in(client, key)
    assert r.status_code == 303 and r.headers["location"] == "/partner/checkout"
    assert client.get("/", follow_redirects=False).headers["location"] == "/partner/checkout"
    page = client.get("/partner/checkout")
    assert page.status_code == 200 and institution.name in page.text
    assert 'id="line-0"' in page.text and 'id="line-1"' in page.text and 'id="line-2"' not in page.text
    assert re.fullmatch(r"[0-9a-f]{32}", _hidden(page.text, "idempotencyKey"))
    assert 'name="serviceDate" type="date" value="2026-03-02"' in page.text  # today in China, by the rt clock
    assert '<option value="PHARMACY" selected>' in page.text
    assert "None yet." in page.text.split('id="recent"', 1)[1]
    # Add a line: htmx asks for one row; without JavaScript the form comes back with one row more.
    row = client.get("/partner/checkout/line?index=2", headers={"HX-Request": "true"})
    assert 'id="line-2"' in row.text and "index=3" in row.text and "<html" not in row.text
    more = client.post("/partner/checkout", data=_checkout_form(page.text, "", [("", "", "A", "", "1")] * 2,
                                                                action="add_line"))
    assert more.status_code == 200 and 'id="line-2"' in more.text and 'id="line-3"' not in more.text
    assert _hidden(more.text, "idempotencyKey") == _hidden(page.text, "idempotencyKey")


def test_other_sessions_and_revoked_keys_do_not_reach_the_checkout(client, rt, shop, fam):
    page = client.get("/login")
    client.post("/login", data={"username": fam.father.id_number, "password": "pw", "csrf_token": _csrf(page.text)})
    assert client.get("/family").status_code == 200
    r = client.get("/partner/checkout", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/family"  # a household member goes home
    institution, key = shop
    _sign_in(client, key)
    assert client.get("/partner/checkout").status_code == 200
    with rt.db.engine.begin() as conn:
        conn.execute(update(ApiKey).where(ApiKey.institution_id == institution.id)
                     .values(revoked_at=datetime(2026, 3, 2, tzinfo=UTC)))
    r = client.get("/partner/checkout", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/partner/login"


def test_resolve_shows_who_the_code_is_for(client, rt, fam, shop):
    _sign_in(client, shop[1])
    page = client.get("/partner/checkout")
    code = _code_for(rt, fam.daughter, fam.daughter)
    r = client.post("/partner/checkout", data=_checkout_form(page.text, code, [], action="resolve"),
                    headers={"HX-Request": "true"})
    assert r.status_code == 200 and 'id="resolved"' in r.text and "<html" not in r.text
    assert "张*雨" in r.text and "Resident insurance" in r.text and "Shown by the insured person" in r.text
    assert f'value="{code}"' in r.text  # the form keeps what was typed
    bad = client.post("/partner/checkout", data=_checkout_form(page.text, code[:-3] + "AAA", [], action="resolve"))
    assert bad.status_code == 400 and 'id="code-error"' in bad.text and 'id="resolved"' not in bad.text
    assert count(rt, Settlement) == 0


def test_three_decimals_are_refused_beside_the_price_and_nothing_is_written(client, rt, fam, shop):
    _sign_in(client, shop[1])
    page = client.get("/partner/checkout")
    code = _code_for(rt, fam.father, fam.father)
    r = client.post("/partner/checkout", data=_checkout_form(page.text, code, [
        ("A001", "Amoxicillin", "A", "12.50", "1"), ("B002", "Ibuprofen", "B", "12.505", "2")]))
    assert r.status_code == 400
    assert 'id="line-1-price-error"' in r.text and "at most two decimal places" in r.text
    assert 'id="line-0-price-error"' not in r.text and 'value="12.505"' in r.text
    assert count(rt, Settlement) == 0 and count(rt, IdempotencyKey) == 0
    # The code is still good: resolving it works.
    again = client.post("/partner/checkout", data=_checkout_form(page.text, code, [], action="resolve"))
    assert again.status_code == 200 and 'id="resolved"' in again.text


def test_a_quantity_of_thousands_of_digits_is_refused_beside_the_field(client, rt, fam, shop):
    _sign_in(client, shop[1])
    page = client.get("/partner/checkout")
    code = _code_for(rt, fam.father, fam.father)
    r = client.post("/partner/checkout", data=_checkout_form(page.text, code, [
        ("A001", "Amoxicillin", "A", "12.50", "9" * 5000)]))
    assert r.status_code == 400 and 'id="line-0-quantity-error"' in r.text and "too large" in r.text
    assert count(rt, Settlement) == 0


def test_a_settle_through_the_page_shows_fund_accounts_mutual_aid_and_cash(client, rt, fam, shop):
    grant(rt, fam.father, fam.daughter)
    _sign_in(client, shop[1])
    page = client.get("/partner/checkout")
    code = _code_for(rt, fam.daughter, fam.daughter)
    r = client.post("/partner/checkout", data=_checkout_form(page.text, code, [
        ("A001", "Amoxicillin", "A", "75.00", "2"), ("", "", "A", "", "1")]), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/partner/checkout?settlement=")
    [row] = _settlements(rt)
    with rt.db.read() as s:
        [line] = s.exec(select(SettlementLine).where(SettlementLine.settlement_id == row.id)).all()
    assert (line.unit_price_fen, line.quantity, line.name) == (75_00, 2, "Amoxicillin")
    # Resident deductible 100.00, then 50% of 50.00 at a pharmacy: 125.00 from the father's grant.
    assert (row.bill_fen, row.fund_fen, row.cash_fen) == (150_00, 25_00, 0)
    result = client.get(r.headers["location"]).text
    assert 'id="total-bill">¥150.00' in result and 'id="total-fund">¥25.00' in result
    assert 'id="total-own">¥0.00' in result and 'id="total-cash"><strong>¥0.00' in result
    assert "Mutual aid from 张*" in result and "¥125.00" in result
    assert "张*雨" in result and "Settled" in result and "Refund whole" in result and "Refund this line" in result
    # The next customer gets a fresh form and a fresh key; the recent list shows the settlement.
    assert _hidden(result, "idempotencyKey") != _hidden(page.text, "idempotencyKey")
    recent = result.split('id="recent"', 1)[1]
    assert "张*雨" in recent and "¥150.00" in recent


def test_settling_by_htmx_swaps_the_form_and_the_result(client, rt, fam, shop):
    _sign_in(client, shop[1])
    page = client.get("/partner/checkout")
    code = _code_for(rt, fam.father, fam.father)
    r = client.post("/partner/checkout", data=_checkout_form(page.text, code, [("A001", "Amoxicillin", "A", "12.50", "2")]),
                    headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text and r.headers["HX-Reswap"].endswith("show:#result:top")
    assert 'id="checkout"' in r.text and 'id="result" aria-live="polite" hx-swap-oob="true"' in r.text
    assert 'id="total-bill">¥25.00' in r.text and 'id="recent" hx-swap-oob="true"' in r.text
    # A used code is a typed error beside the code field, and the form keeps its lines.
    again = client.post("/partner/checkout", data=_checkout_form(r.text, code, [("A001", "Amoxicillin", "A", "12.50", "2")]),
                        headers={"HX-Request": "true"})
    assert 'id="code-error"' in again.text and "already been used" in again.text
    assert 'hx-swap-oob' not in again.text and 'value="12.50"' in again.text
    assert count(rt, Settlement) == 1


def test_a_double_submitted_form_settles_once(client, rt, fam, shop):
    _sign_in(client, shop[1])
    page = client.get("/partner/checkout")
    code = _code_for(rt, fam.father, fam.father)
    form = _checkout_form(page.text, code, [("A001", "Amoxicillin", "A", "12.50", "2")])
    first = client.post("/partner/checkout", data=form, follow_redirects=False)
    second = client.post("/partner/checkout", data=form, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert count(rt, Settlement) == 1


def test_a_whole_refund_and_a_second_one_refused(client, rt, fam, shop):
    _sign_in(client, shop[1])
    page = client.get("/partner/checkout")
    code = _code_for(rt, fam.father, fam.father)
    settled = client.post("/partner/checkout", data=_checkout_form(page.text, code, [
        ("A001", "Amoxicillin", "A", "12.50", "2"), ("N001", "Tissues", "NON_MEDICAL", "3.00", "1")]))
    whole = re.search(r'<form[^>]*action="/partner/refund".*?</form>', settled.text.split("Totals", 1)[1], re.S).group(0)
    assert 'name="lineNumber"' not in whole
    data = {"csrf_token": _csrf(settled.text), "settlementId": _hidden(whole, "settlementId"),
            "idempotencyKey": _hidden(whole, "idempotencyKey")}
    r = client.post("/partner/refund", data=data, follow_redirects=False)
    assert r.status_code == 303
    [row] = _settlements(rt)
    assert row.status == "refunded"
    shown = client.get(r.headers["location"]).text
    assert 'id="result-status">Refunded' in shown and "Refund whole" not in shown and "Refund this line" not in shown
    # The same key again is the same refund; a fresh key is refused with a message.
    assert client.post("/partner/refund", data=data, follow_redirects=False).status_code == 303
    again = client.post("/partner/refund", data={**data, "idempotencyKey": "another-refund-key"})
    assert again.status_code == 400 and 'id="result-error"' in again.text and "already been refunded" in again.text


def test_a_line_refund_by_htmx(client, rt, fam, shop):
    _sign_in(client, shop[1])
    page = client.get("/partner/checkout")
    code = _code_for(rt, fam.father, fam.father)
    settled = client.post("/partner/checkout", data=_checkout_form(page.text, code, [
        ("A001", "Amoxicillin", "A", "12.50", "2"), ("N001", "Tissues", "NON_MEDICAL", "3.00", "1")]))
    line_two = re.search(r'id="result-line-2".*?</li>', settled.text, re.S).group(0)
    r = client.post("/partner/refund", headers={"HX-Request": "true"}, data={
        "csrf_token": _csrf(settled.text), "settlementId": _hidden(line_two, "settlementId"), "lineNumber": "2",
        "idempotencyKey": _hidden(line_two, "idempotencyKey")})
    assert r.status_code == 200 and "<html" not in r.text
    assert 'id="result-status">Partly refunded' in r.text and 'id="recent" hx-swap-oob="true"' in r.text
    assert re.search(r'id="result-line-2".*?Refunded.*?</li>', r.text, re.S)
    assert "Refund this line" in re.search(r'id="result-line-1".*?</li>', r.text, re.S).group(0)
    [row] = _settlements(rt)
    assert row.status == "partly_refunded"


def test_refusals_are_summed_up_beside_settle_with_links_to_their_fields(client, rt, fam, shop):
    _sign_in(client, shop[1])
    page = client.get("/partner/checkout")
    assert 'id="settle-summary" class="error-summary" aria-live="assertive" aria-atomic="true"></div>' in page.text
    r = client.post("/partner/checkout", headers={"HX-Request": "true"}, data=_checkout_form(page.text, "", [
        ("A001", "Amoxicillin", "A", "12.505", "1")], serviceDate="tomorrow"))
    summary = re.search(r'<div id="settle-summary".*?</div>', r.text, re.S).group(0)
    assert "Not settled. Please fix:" in summary
    links = re.findall(r'<a class="error" href="#([^"]+)">([^<]+)</a>', summary)
    assert [target for target, _ in links] == ["code", "serviceDate", "line-0-price"]
    assert 'aria-describedby="settle-summary"' in r.text and count(rt, Settlement) == 0
    # A refusal from the graph (a code that is not genuine) is summed up the same way.
    refused = client.post("/partner/checkout", data=_checkout_form(page.text, "YB1NOTACODE", [
        ("A001", "Amoxicillin", "A", "12.50", "1")]))
    summary = re.search(r'<div id="settle-summary".*?</div>', refused.text, re.S).group(0)
    assert re.findall(r'href="#([^"]+)"', summary) == ["code"]


def test_after_a_refund_the_totals_show_what_came_back_and_where(client, rt, fam, shop):
    _sign_in(client, shop[1])
    page = client.get("/partner/checkout")
    code = _code_for(rt, fam.father, fam.father)
    settled = client.post("/partner/checkout", data=_checkout_form(page.text, code, [
        ("A001", "Amoxicillin", "A", "12.50", "2"), ("N001", "Tissues", "NON_MEDICAL", "3.00", "1")]))
    assert "Refunded in all" not in settled.text
    whole = re.search(r'<form[^>]*action="/partner/refund".*?</form>', settled.text.split("Totals", 1)[1], re.S).group(0)
    r = client.post("/partner/refund", headers={"HX-Request": "true"}, data={
        "csrf_token": _csrf(settled.text), "settlementId": _hidden(whole, "settlementId"),
        "idempotencyKey": _hidden(whole, "idempotencyKey")})
    back = re.search(r'<dl class="amounts totals refunded".*?</dl>', r.text, re.S).group(0)
    # 25.00 of List A fell under the employee deductible: the father's own account paid it; the tissues were cash.
    amounts = dict(re.findall(r'<dd class="back-(\w+)">(?:<strong>)?¥([\d.]+)', back))
    assert amounts == {"total": "28.00", "fund": "0.00", "own": "25.00", "aid": "0.00", "cash": "3.00"}
