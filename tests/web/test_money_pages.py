"""The mutual-aid page and the code page's scan result, over HTTP with a session."""

import re

import pytest
from starlette.testclient import TestClient

from backend.graph.core.ids import to_global_id
from backend.storage.models import Grant
from tests.helpers import count
from tests.money import jinan_family, line, map_lines, settle_for
from web.app import create_app
from web.forms import FieldError, optional_yuan_to_fen

pytestmark = pytest.mark.serializable


@pytest.fixture
def fam(rt):
    return jinan_family(rt)


def _signed_in(rt, who):
    client = TestClient(create_app(rt))
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"username": who.id_number, "password": "pw", "csrf_token": token})
    return client


def _csrf(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_yuan_amounts_parse_exactly():
    assert [optional_yuan_to_fen(t) for t in ("12.5", "0.01", "1,234.56", "¥3", "")] == [1250, 1, 123456, 300, None]
    for bad in ("-1", "1.234", "abc", "1e400", "NaN"):
        with pytest.raises(FieldError):
            optional_yuan_to_fen(bad)


def test_a_grantor_starts_supporting_a_relative_and_a_bad_cap_is_refused_beside_the_field(rt, fam):
    with _signed_in(rt, fam.father) as client:
        page = client.get("/grants")
        assert page.status_code == 200 and "家庭共济" in page.text
        token = _csrf(page.text)
        bad = client.post("/grants/create", data={"granteeId": to_global_id("Person", fam.daughter.id), "cap": "1.234",
                                                  "csrf_token": token})
        assert bad.status_code == 400 and 'id="create-error"' in bad.text and "两位小数" in bad.text
        assert count(rt, Grant) == 0
        ok = client.post("/grants/create", data={"granteeId": to_global_id("Person", fam.daughter.id), "cap": "300",
                                                 "csrf_token": token}, headers={"HX-Request": "true"})
        assert ok.status_code == 200 and "张晓雨" in ok.text and "¥300.00" in ok.text and count(rt, Grant) == 1


def test_the_code_page_shows_the_split_once_a_partner_settles(rt, fam):
    from tests.money import grant

    grant(rt, fam.father, fam.daughter)
    with _signed_in(rt, fam.daughter) as client:
        page = client.get("/codes")
        code = re.search(r"data-code>([A-Z0-9]+)<", page.text).group(1)
        token = _csrf(page.text)
        waiting = client.post("/codes/result", data={"code": code, "csrf_token": token}, headers={"HX-Request": "true"})
        assert waiting.status_code == 204
        from backend.principals import Actor, Channel
        from backend.services.money import settlement

        map_lines(rt, fam.pharmacy.id, [line("C", 42_00)])
        settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL), settlement.SettleRequest(
            code=code, visit_type=settlement.VisitType.PHARMACY, service_date=rt.clock.now().date(),
            lines=[line("C", 42_00)], idempotency_key="page-result-1"))
        done = client.post("/codes/result", data={"code": code, "csrf_token": token}, headers={"HX-Request": "true"})
        assert done.status_code == 200 and "张*" in done.text and "¥42.00" in done.text and "结算" in done.text


def test_a_code_for_cash_only_from_the_page(rt, fam):
    with _signed_in(rt, fam.father) as client:
        token = _csrf(client.get("/codes").text)
        panel = client.post("/codes/issue", data={"subject": to_global_id("Person", fam.father.id), "payer": "cash",
                                                  "csrf_token": token}, headers={"HX-Request": "true"})
        code = re.search(r"data-code>([A-Z0-9]+)<", panel.text).group(1)
        sid, _ = settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("C", 1)])  # another code, default order
        assert sid
        with rt.db.read() as s:
            from sqlmodel import select

            from backend.domain.codes import code_digest
            from backend.storage.models import PresentedCode

            row = s.exec(select(PresentedCode).where(PresentedCode.code_sha256 == code_digest(code))).one()
        assert '"cash_only": true' in row.payer_order
