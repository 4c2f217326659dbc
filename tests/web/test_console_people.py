"""Staff find a person and read their record; auditors also read its audit log. Reads are audited."""

import re
from datetime import date, timedelta

from starlette.testclient import TestClient

from backend.graph.core.ids import to_global_id
from backend.services.people import search
from tests.helpers import audit_events, person, staff
from web import pages
from web.app import create_app


def _staff_client(rt, role):
    staff(rt, role, username=f"{role}x")
    client = TestClient(create_app(rt))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": f"{role}x", "password": "pw", "csrf_token": token})
    return client


def test_a_clerk_finds_a_person_but_only_an_auditor_reads_the_log(rt):
    granny = person(rt, "王秀英", date(1952, 5, 20), phone="13800000003")
    with _staff_client(rt, "clerk") as clerk:
        found = clerk.get("/console/people", params={"q": "13800000003"})
        assert found.status_code == 200 and "王秀英" in found.text and granny.id_number in found.text
        assert 'id="no-results"' not in found.text
        by_name = clerk.get("/console/people", params={"q": "秀英"})
        assert "王秀英" in by_name.text
        too_short = clerk.get("/console/people", params={"q": "123"})
        assert "找到0人" in too_short.text and "至少输入 4 位" in too_short.text
        record = clerk.get(f"/console/people/{to_global_id('Person', granny.id)}")
        assert record.status_code == 200 and "只有稽核员和管理员" in record.text and 'id="audit"' not in record.text
    with _staff_client(rt, "auditor") as auditor:
        record = auditor.get(f"/console/people/{to_global_id('Person', granny.id)}")
        assert 'id="audit"' in record.text and "person.register" in record.text
    assert {e.acting_as for e in audit_events(rt, "person.read")} == {"staff:clerk", "staff:auditor"}
    assert audit_events(rt, "person.search")[0].channel == "console"


def test_many_matches_come_a_page_at_a_time_with_a_hint_and_too_many_are_not_listed(rt, monkeypatch):
    for i in range(23):
        person(rt, f"王{chr(0x4E00 + i)}", date(1980, 1, 1) + timedelta(days=i), password=None)
    monkeypatch.setattr(pages.people, "NARROW_ABOVE", 10)
    with _staff_client(rt, "clerk") as clerk:
        first = clerk.get("/console/people", params={"q": "王"})
        assert "找到23人" in first.text and first.text.count('class="person"') == 20
        assert 'id="narrow"' in first.text and "第 1 页，共 2 页" in first.text and 'rel="prev"' not in first.text
        following = re.search(r'rel="next" href="([^"]+)"', first.text).group(1).replace("&amp;", "&")
        second = clerk.get(following)
        assert second.text.count('class="person"') == 3 and "第 2 页，共 2 页" in second.text
        assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
        monkeypatch.setattr(search, "COUNT_CAP", 20)
        capped = clerk.get("/console/people", params={"q": "王"})
        assert "超过20人" in capped.text and 'id="narrow"' in capped.text and "再输入一个字" in capped.text
        assert 'id="results"' not in capped.text and 'id="pager"' not in capped.text


def test_the_district_is_shown_beside_the_city(rt):
    person(rt, "王秀英", date(1952, 5, 20), region="370102")
    person(rt, "李秀兰", date(1955, 1, 9), region="370116")
    with _staff_client(rt, "clerk") as clerk:
        found = clerk.get("/console/people", params={"q": "秀"}).text
        assert "济南市历下区" in found and "济南市莱芜区" in found
        record = clerk.get("/console/people/" + re.search(r'href="/console/people/([^"?]+)"', found).group(1)).text
        assert "济南市历下区" in record or "济南市莱芜区" in record


def test_household_members_cannot_open_the_console(rt):
    me = person(rt, "我", date(1980, 1, 1), password="pw")
    client = TestClient(create_app(rt))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": me.id_number, "password": "pw", "csrf_token": token})
    assert client.get("/console/people", follow_redirects=False).status_code == 303


def test_a_clerk_reverses_a_settlement_from_the_persons_record(rt):
    from tests.money import balance, jinan_family, line, settle_for

    fam = jinan_family(rt)
    sid, _ = settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("C", 80_00)])
    with _staff_client(rt, "clerk") as clerk:
        page = clerk.get(f"/console/people/{to_global_id('Person', fam.father.id)}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        form = {"personId": to_global_id("Person", fam.father.id), "settlementId": to_global_id("Settlement", sid),
                "csrf_token": token}
        refused = clerk.post("/console/settlements/reverse", data={**form, "reason": " "})
        assert refused.status_code == 400 and "请填写原因" in refused.text
        done = clerk.post("/console/settlements/reverse", data={**form, "reason": "重复收费"})
        assert done.status_code == 200 and "已退费" in done.text
    assert balance(rt, fam.father) == 3_256_80
