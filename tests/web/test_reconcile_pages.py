"""The partner sandbox's reconciliation page over HTTP: totals balanced and not, a detail file with its
results and their CSV download, a malformed file's problems beside the file field."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from backend.clock import CHINA
from backend.domain.reconciliation import settlement_global_id
from backend.storage.models import Settlement
from tests.helpers import partner
from tests.money import jinan_family, line, settle_for
from web.app import create_app


@pytest.fixture
def client(rt):
    with TestClient(create_app(rt), base_url="http://testserver", headers={"Accept-Language": "en"}) as c:
        yield c


@pytest.fixture
def shop(rt, clock):
    """A pharmacy whose key we hold, with two settlements on a day that has passed."""
    fam = jinan_family(rt)
    principal, key = partner(rt, "pharmacy")
    for amount in (300_00, 40_00):
        settle_for(rt, principal, fam.father, fam.father, [line("A", amount)])
    clock.advance(days=1)
    with rt.db.read() as s:
        rows = list(s.exec(select(Settlement).where(Settlement.institution_id == principal.id)).all())
    return key, rows


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _signed_in(client, key: str) -> str:
    page = client.get("/partner/login")
    client.post("/partner/login", data={"apiKey": key, "csrf_token": _csrf(page.text)})
    page = client.get("/partner/reconcile")
    assert page.status_code == 200
    return _csrf(page.text)


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _totals(rows, csrf: str, **changes) -> dict:
    day = rows[0].created_at.astimezone(CHINA).date().isoformat()
    data = {"csrf_token": csrf, "first": day, "last": day, "insuranceType": "EMPLOYEE", "visitType": "PHARMACY",
            "count": str(len(rows)), "bill": _yuan(sum(r.bill_fen for r in rows)),
            "fund": _yuan(sum(r.fund_fen for r in rows)),
            "account": _yuan(sum(r.bill_fen - r.fund_fen - r.cash_fen for r in rows)), "includeRefunds": "on"}
    data.update(changes)
    return data


def test_the_page_asks_a_partner_to_sign_in(client):
    assert client.get("/partner/reconcile", follow_redirects=False).headers["location"] == "/partner/login"


def test_totals_balanced_not_balanced_and_refused_beside_the_field(client, shop):
    key, rows = shop
    csrf = _signed_in(client, key)
    ok = client.post("/partner/reconcile/totals", data=_totals(rows, csrf), headers={"HX-Request": "true"})
    assert ok.status_code == 200 and 'id="totals-outcome"><strong>Balanced' in ok.text
    off = client.post("/partner/reconcile/totals", data=_totals(rows, csrf, count="3"))
    assert off.status_code == 200 and "Not balanced" in off.text and "<td>2</td><td>3</td><td>1</td>" in off.text
    bad = client.post("/partner/reconcile/totals", data=_totals(rows, csrf, bill="12.345", last="2099-01-01"))
    assert bad.status_code == 400
    assert 'id="bill-error"' in bad.text
    today = client.post("/partner/reconcile/totals", data=_totals(rows, csrf, last="2099-01-01"),
                        headers={"HX-Request": "true"})
    assert 'id="last-error"' in today.text and "before today" in today.text


def _detail(rows, fund_off: bool = False) -> bytes:
    text = "settlement_id,visit_id,person,bill_yuan,fund_yuan,account_yuan,refunded\n" + "".join(
        f"{settlement_global_id(r.id)},,,{_yuan(r.bill_fen)},{_yuan(r.fund_fen + (1 if fund_off and i else 0))},"
        f"{_yuan(r.bill_fen - r.fund_fen - r.cash_fen)},0\n" for i, r in enumerate(rows))
    return text.encode("gb18030")


def test_a_detail_file_its_results_and_their_download(client, shop):
    key, rows = shop
    csrf = _signed_in(client, key)
    day = rows[0].created_at.astimezone(CHINA).date().isoformat()
    form = {"csrf_token": csrf, "first": day, "last": day, "encoding": ""}
    ok = client.post("/partner/reconcile/details", data=form, headers={"HX-Request": "true"},
                     files={"file": ("mine.csv", _detail(rows), "text/csv")})
    assert 'id="details-outcome"><strong>Balanced' in ok.text
    off = client.post("/partner/reconcile/details", data=form,
                      files={"file": ("mine.csv", _detail(rows, fund_off=True), "text/csv")})
    assert "Not balanced" in off.text and "Differs:" in off.text and "fund" in off.text
    download = client.post("/partner/reconcile/details.csv", data=form,
                           files={"file": ("mine.csv", _detail(rows, fund_off=True), "text/csv")})
    assert download.headers["content-type"].startswith("text/csv")
    assert f'filename="reconcile-{day}-{day}.csv"' in download.headers["content-disposition"]
    results = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert sorted(r["result"] for r in results) == ["0", "3"]


def test_a_malformed_file_is_answered_by_row_and_column(client, shop):
    key, rows = shop
    csrf = _signed_in(client, key)
    day = rows[0].created_at.astimezone(CHINA).date().isoformat()
    bad = b"settlement_id,bill_yuan,fund_yuan,account_yuan,refunded\nnope,1.00,x,1.00,1\n"
    answer = client.post("/partner/reconcile/details", data={"csrf_token": csrf, "first": day, "last": day},
                         files={"file": ("bad.csv", bad, "text/csv")})
    assert answer.status_code == 400
    assert 'id="file-error"' in answer.text and "2 problems in the file" in answer.text
    assert "<td>settlement_id</td><td>nope</td>" in answer.text and "<td>fund_yuan</td><td>x</td>" in answer.text
    missing = client.post("/partner/reconcile/details.csv", data={"csrf_token": csrf, "first": day, "last": day})
    assert missing.status_code == 400 and 'id="file-error"' in missing.text
