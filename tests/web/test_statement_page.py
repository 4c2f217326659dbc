"""The yearly statement page and the elderly-mode switch over HTTP with a session, on both databases."""

import re

import pytest
from starlette.testclient import TestClient

from backend.graph.core.ids import to_global_id
from backend.services.family_account import bindings
from tests.helpers import actor_of
from tests.money import grant, jinan_family, line, settle_for
from web.app import create_app


@pytest.fixture
def fam(rt):
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter)
    settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("C", 66_00), line("NON_MEDICAL", 5_00, code="Y")])
    return fam


def _signed_in(rt, who, lang="en"):
    client = TestClient(create_app(rt), cookies={"lang": lang})
    page = client.get("/login")
    client.post("/login", data={"username": who.id_number, "password": "pw", "csrf_token": _csrf(page.text)})
    return client


def _csrf(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_person_reads_their_yearly_statement(rt, fam):
    with _signed_in(rt, fam.daughter) as client:
        page = client.get("/statement")
        assert page.status_code == 200
        text = re.sub(r"\s+", " ", page.text)
        assert "张晓雨, 2026" in text and "¥66.00" in text and "张伟&#39;s mutual aid" in text
        assert "not a tax assessment" in text and 'href="/static/print.css" media="print"' in text
        assert fam.pharmacy.name in text and "5.00" not in text  # non-medical goods are no burden
        last_year = client.get("/statement?year=2025")
        assert last_year.status_code == 200 and "No settled bills in this year." in last_year.text


@pytest.mark.parametrize("year", ["1999", "abc", "99999999999"])
def test_a_bad_year_is_refused_beside_the_year_field(rt, fam, year):
    with _signed_in(rt, fam.daughter) as client:
        page = client.get(f"/statement?year={year}")
        assert page.status_code == 400
        assert 'id="year-error"' in page.text and "A statement covers one year from 2000 to 2026." in page.text


def test_a_grantor_does_not_see_the_grantees_statement(rt, fam):
    with _signed_in(rt, fam.father) as client:
        own = client.get("/statement")
        assert own.status_code == 200 and "张伟, 2026" in own.text
        assert "¥66.00" not in own.text and fam.pharmacy.name not in own.text
        theirs = client.get(f"/statement?subject={to_global_id('Person', fam.daughter.id)}")
        assert theirs.status_code == 200 and "You may not see this person&#39;s statement." in theirs.text
        assert "¥66.00" not in theirs.text


def test_a_parent_with_view_account_reads_a_childs_statement(rt, fam):
    binding = bindings.request_binding(rt, actor_of(fam.mother), fam.son.id)
    bindings.set_binding_scopes(rt, actor_of(fam.mother), binding.id, view_insurance=True, view_account=True)
    settle_for(rt, fam.hospital, fam.mother, fam.son, [line("C", 12_00)])
    with _signed_in(rt, fam.mother) as client:
        own = client.get("/statement")
        assert 'id="subject"' in own.text and "张小宝" in own.text
        child = client.get(f"/statement?subject={to_global_id('Person', fam.son.id)}")
        assert child.status_code == 200 and "张小宝, 2026" in child.text and "¥12.00" in child.text


def test_the_elderly_switch_is_on_every_household_page_and_kept_per_person(rt, fam):
    with _signed_in(rt, fam.father, lang="zh_CN") as client:
        for path in ("/family", "/codes", "/bindings", "/grants", "/statement", "/account/password"):
            page = client.get(path)
            assert 'action="/preferences/elderly"' in page.text and "elderly.css" not in page.text, path
        page = client.get("/grants")
        switched = client.post("/preferences/elderly", data={"on": "1", "back": "/grants", "csrf_token": _csrf(page.text)},
                               follow_redirects=False)
        assert switched.status_code == 303 and switched.headers["location"] == "/grants"
        after = client.get("/grants")
        assert 'class="elderly"' in after.text and "/static/elderly.css" in after.text
        assert 'aria-pressed="true"' in after.text
        # Elsewhere too: another browser signing in as the same person gets the same pages.
        with _signed_in(rt, fam.father) as other:
            assert 'class="elderly"' in other.get("/family").text
        # Never sent to another site, and a missing CSRF token writes nothing.
        away = client.post("/preferences/elderly", data={"on": "0", "back": "//evil.example/x",
                                                         "csrf_token": _csrf(after.text)}, follow_redirects=False)
        assert away.headers["location"] == "/family"
        assert client.post("/preferences/elderly", data={"on": "1"}, follow_redirects=False).status_code == 403
        assert 'class="elderly"' not in client.get("/family").text


def test_the_elderly_code_page_is_the_qr_the_name_the_countdown_and_one_button(rt, fam):
    bindings.request_binding(rt, actor_of(fam.father), fam.son.id)
    with _signed_in(rt, fam.father) as client:
        page = client.get("/family")
        client.post("/preferences/elderly", data={"on": "1", "back": "/codes", "csrf_token": _csrf(page.text)})
        codes = client.get("/codes")
        main = codes.text.split("<main>")[1]
        assert main.count("<svg") == 1 and 'role="timer"' in main and "张伟" in main
        assert main.count("switch-person") == 1 and f"/codes?subject={to_global_id('Person', fam.son.id)}" in main
        for gone in ('class="switcher"', 'id="payer"', "data-code>", "designated hospital or pharmacy"):
            assert gone not in main, gone
