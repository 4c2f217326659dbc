"""The catalogue pages without a browser: staff search and import the catalogue and decide mappings; a partner
maps its items by hand and by file, sees problems by row and its mappings' status."""

import re

import pytest
from starlette.testclient import TestClient

from backend.storage.models import CatalogueEntry, ItemMapping
from tests.helpers import count, partner, staff
from web.app import create_app

AMOX = "XJ01CAA037A0020107919"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def clerk(rt):
    staff(rt, "clerk", username="clerkc")
    with TestClient(create_app(rt), headers={"Accept-Language": "en"}) as client:
        client.post("/login", data={"username": "clerkc", "password": "pw", "csrf_token": _csrf(client.get("/login").text)})
        yield client


@pytest.fixture
def pharmacy(rt):
    _, key = partner(rt)
    with TestClient(create_app(rt), headers={"Accept-Language": "en"}) as client:
        client.post("/partner/login", data={"apiKey": key, "csrf_token": _csrf(client.get("/partner/login").text)})
        yield client


def test_staff_search_by_code_or_name_and_in_force_on_a_date(clerk):
    page = clerk.get("/console/catalogue", params={"q": "阿莫西林胶囊"})
    assert page.status_code == 200 and "2 entries found" in page.text and "price cap ¥12.80 a unit" in page.text
    july = clerk.get("/console/catalogue", params={"q": AMOX.lower(), "on": "2026-07-15"}, headers={"HX-Request": "true"})
    assert "1 entry found" in july.text and "¥10.50" in july.text and "<html" not in july.text


def test_a_clerk_imports_sees_problems_by_row_and_nothing_is_written(rt, clerk):
    token = _csrf(clerk.get("/console/catalogue").text)
    before = count(rt, CatalogueEntry)
    bad = "national_code,name,kind,class,valid_from\nW-1,页面测试,药品,丁类,2026-01-01\n"
    answer = clerk.post("/console/catalogue", data={"csrf_token": token},
                        files={"file": ("bad.csv", bad.encode(), "text/csv")}, follow_redirects=False)
    assert answer.status_code == 303
    detail = clerk.get(answer.headers["location"]).text
    assert "Has problems" in detail and "<tr><td>2</td><td>class</td><td>丁类</td>" in detail
    assert count(rt, CatalogueEntry) == before
    download = clerk.get(answer.headers["location"] + "/problems.csv")
    lines = download.text.lstrip("\ufeff").splitlines()
    assert download.headers["content-type"].startswith("text/csv")
    assert lines[0] == "Row,Column,Value in the file,Code,Problem" and lines[1].startswith("2,class,丁类,CLASS_UNKNOWN,")
    good = "national_code,name,kind,class,valid_from\nW-1,页面测试,药品,乙类,2026-01-01\n"
    answer = clerk.post("/console/catalogue", data={"csrf_token": token},
                        files={"file": ("good.csv", good.encode(), "text/csv")}, headers={"HX-Request": "true"})
    assert "Imported" in clerk.get(answer.headers["HX-Redirect"]).text and count(rt, CatalogueEntry) == before + 1
    missing = clerk.post("/console/catalogue", data={"csrf_token": token}, files={"file": ("", b"", "text/csv")})
    assert missing.status_code == 400 and 'id="file-error"' in missing.text


def test_a_partner_maps_by_hand_and_by_file_and_a_clerk_decides(rt, pharmacy, clerk):
    page = pharmacy.get("/partner/mappings")
    token = _csrf(page.text)
    refused = pharmacy.post("/partner/mappings", data={"csrf_token": token, "itemCode": "P-1", "nationalCode": "NOPE"})
    assert refused.status_code == 400 and 'id="nationalCode-error"' in refused.text and "NOPE" in refused.text
    done = pharmacy.post("/partner/mappings", data={"csrf_token": token, "itemCode": "P-1", "nationalCode": AMOX,
                                                    "itemName": "阿莫西林"})
    assert "Submitted" in done.text and "Waiting for a decision" in done.text
    bad_file = pharmacy.post("/partner/mappings/file", data={"csrf_token": token},
                             files={"file": ("m.csv", f"item_code,national_code\nP-2,{AMOX}\nP-3,NOPE\n".encode(), "text/csv")})
    assert bad_file.status_code == 400 and "Row 3" in bad_file.text and count(rt, ItemMapping) == 1

    pending = clerk.get("/console/catalogue/mappings")
    assert "P-1" in pending.text and "阿莫西林胶囊" in pending.text
    mapping_id = re.search(r'name="mappingId" value="([^"]+)"', pending.text).group(1)
    no_reason = clerk.post("/console/catalogue/mappings/reject?status=PENDING",
                           data={"csrf_token": _csrf(pending.text), "mappingId": mapping_id},
                           headers={"HX-Request": "true"})
    assert 'role="alert"' in no_reason.text
    clerk.post("/console/catalogue/mappings/approve?status=PENDING",
               data={"csrf_token": _csrf(pending.text), "mappingId": mapping_id})
    assert "Approved" in pharmacy.get("/partner/mappings").text
