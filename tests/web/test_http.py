"""Over HTTP: bearer tokens, partner API keys, sessions, CSRF and cookie flags."""

import re
from datetime import date

import pytest
from starlette.testclient import TestClient

from backend.domain.idnumber import Sex
from backend.principals import Actor, Channel
from backend.services.admin import partners
from backend.storage.models import Relationship
from tests.helpers import count, partner, person, staff
from web.app import create_app

VIEWER = {"query": "{ viewer { __typename ... on Person { name } ... on Institution { name } ... on StaffUser { role } } }"}


@pytest.fixture
def client(rt):
    with TestClient(create_app(rt), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def me(rt):
    return person(rt, "张伟", date(1978, 3, 14), Sex.MALE, insurance="employee", balance_fen=100,
                  phone="13800000001", password="secret-pw")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_token_by_id_number_or_phone_drives_the_graph(client, me):
    for username in (me.id_number, "13800000001"):
        r = client.post("/auth/token", json={"username": username, "password": "secret-pw"})
        assert r.status_code == 200 and r.json()["token_type"] == "bearer"
        g = client.post("/graphql", json=VIEWER, headers={"Authorization": f"Bearer {r.json()['access_token']}"})
        assert g.json()["data"]["viewer"] == {"__typename": "Person", "name": "张伟"}


def test_wrong_password_and_bad_requests(client, me):
    assert client.post("/auth/token", json={"username": me.id_number, "password": "nope"}).status_code == 401
    assert client.post("/auth/token", content=b"not json").status_code == 400


def test_staff_token_and_partner_api_key(client, rt):
    staff(rt, "auditor", username="aud")
    r = client.post("/auth/token", json={"username": "aud", "password": "pw"})
    g = client.post("/graphql", json=VIEWER, headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert g.json()["data"]["viewer"] == {"__typename": "StaffUser", "role": "AUDITOR"}
    institution, key = partner(rt)
    g = client.post("/graphql", json=VIEWER, headers={"Authorization": f"Bearer {key}"})
    assert g.json()["data"]["viewer"] == {"__typename": "Institution", "name": institution.name}


def _refusal(answer) -> tuple:
    """What a caller learns from a refused credential: status, challenge and body, less the request id."""
    body = answer.json()
    for error in body.get("errors", ()):
        error["extensions"].pop("requestId")
    return answer.status_code, answer.headers.get("www-authenticate"), body


def test_unknown_revoked_and_disabled_keys_get_the_same_401(client, rt):
    ADMIN = Actor(staff(rt, "admin"), Channel.CONSOLE)
    _, revoked = partner(rt)
    partners.revoke_key(rt, ADMIN, revoked.split("_")[1], reason="leaked")
    other, of_disabled = partner(rt)
    partners.disable_partner(rt, ADMIN, other.id, reason="contract ended")
    answers = [_refusal(client.post("/graphql", json=VIEWER, headers={"Authorization": f"Bearer {key}",
                                                                       "Accept-Language": "en"}))
               for key in ("yb_0123456789ab_made-up-secret", revoked, of_disabled)]
    assert answers[0] == answers[1] == answers[2]
    status, challenge, body = answers[0]
    assert status == 401 and challenge == 'Bearer error="invalid_token"' and "data" not in body
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert body["errors"][0]["message"].startswith("This credential is not valid")


def test_forged_or_tampered_credentials_get_401_and_no_credential_is_anonymous(client, rt, me):
    _, key = partner(rt)
    token = client.post("/auth/token", json={"username": me.id_number, "password": "secret-pw"}).json()["access_token"]
    for bad in (key[:-2] + "xx", token[:-3] + "abc", "yb_nothing_here", "garbage"):
        g = client.post("/graphql", json=VIEWER, headers={"Authorization": f"Bearer {bad}"})
        assert g.status_code == 401 and g.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", bad
    assert client.post("/graphql", json=VIEWER, headers={"Authorization": f"Basic {key}"}).status_code == 401
    assert client.post("/graphql", json=VIEWER).json()["data"] == {"viewer": None}


def test_graphql_ignores_session_cookies(client, me):
    page = client.get("/login")
    client.post("/login", data={"username": me.id_number, "password": "secret-pw", "csrf_token": _csrf(page.text)})
    g = client.post("/graphql", json=VIEWER)
    assert g.json()["data"] == {"viewer": None}


def test_login_sets_an_httponly_samesite_session_and_shows_the_family_page(client, me):
    page = client.get("/login")
    r = client.post("/login", data={"username": me.id_number, "password": "secret-pw", "csrf_token": _csrf(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/family"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    family = client.get("/family")
    assert family.status_code == 200 and "我的家人" in family.text and me.id_number in family.text


def test_a_failed_login_says_so_beside_the_form(client, me):
    page = client.get("/login")
    r = client.post("/login", data={"username": me.id_number, "password": "x", "csrf_token": _csrf(page.text)})
    assert r.status_code == 400 and "不匹配" in r.text and 'aria-invalid="true"' in r.text


def test_page_posts_without_the_csrf_token_are_refused(client, rt, me):
    relative = person(rt, "王秀英", date(1952, 5, 20))
    page = client.get("/login")
    client.post("/login", data={"username": me.id_number, "password": "secret-pw", "csrf_token": _csrf(page.text)})
    claim = {"name": relative.name, "idNumber": relative.id_number, "kind": "parent"}
    assert client.post("/family/claim", data=claim).status_code == 403
    assert client.post("/family/claim", data={**claim, "csrf_token": "forged"}).status_code == 403
    assert client.post("/family/claim", data=claim, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/logout").status_code == 403
    assert client.post("/login", data={"username": me.id_number, "password": "secret-pw"}).status_code == 403
    assert count(rt, Relationship) == 0
    # With the token from the page, in the header as htmx sends it, the claim goes through.
    token = _csrf(client.get("/family").text)
    r = client.post("/family/claim", data=claim, headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert r.status_code == 200 and "等待医保经办人员核验" in r.text and count(rt, Relationship) == 1


def test_a_refused_claim_shows_its_message_beside_the_field(client, rt, me):
    cousin = person(rt, "张磊", date(1979, 12, 3), Sex.MALE)
    page = client.get("/login")
    client.post("/login", data={"username": me.id_number, "password": "secret-pw", "csrf_token": _csrf(page.text)})
    token = _csrf(client.get("/family").text)
    r = client.post("/family/claim", data={"name": cousin.name, "idNumber": cousin.id_number, "kind": "cousin",
                                           "csrf_token": token})
    assert r.status_code == 400
    assert 'id="claim-kind-error"' in r.text and "堂表兄弟姐妹" in r.text and count(rt, Relationship) == 0


@pytest.mark.one_database
def test_english_switch(client, me):
    r = client.get("/lang/en", headers={"referer": "http://testserver/login"}, follow_redirects=False)
    assert r.status_code == 303 and "lang=en" in r.headers["set-cookie"]
    assert "Sign in" in client.get("/login").text


@pytest.mark.one_database
def test_graphiql_is_served_in_development_only(rt):
    with TestClient(create_app(rt)) as dev:
        assert "graphiql" in dev.get("/graphql", headers={"accept": "text/html"}).text.lower()
    production = rt.settings.model_copy(update={"yibao_env": "production"})
    rt.settings = production
    with TestClient(create_app(rt)) as prod:
        assert prod.get("/graphql", headers={"accept": "text/html"}).status_code in (404, 405)


def test_a_non_ascii_csrf_token_is_refused_not_a_crash(client, me):
    client.get("/login")
    assert client.post("/logout", headers={"X-CSRF-Token": "é".encode()}).status_code == 403


def test_repeated_wrong_passwords_lock_the_account_name_for_a_while(client, rt, clock, me):
    for _ in range(5):
        assert client.post("/auth/token", json={"username": me.id_number, "password": "guess"}).status_code == 401
    locked = client.post("/auth/token", json={"username": me.id_number, "password": "secret-pw"})
    assert locked.status_code == 429 and locked.json()["error"] == "too_many_attempts"
    page = client.get("/login")
    r = client.post("/login", data={"username": me.id_number, "password": "secret-pw", "csrf_token": _csrf(page.text)})
    assert r.status_code == 429 and "次数过多" in r.text
    clock.advance(minutes=16)
    assert client.post("/auth/token", json={"username": me.id_number, "password": "secret-pw"}).status_code == 200


def test_a_waiting_claim_is_withdrawn_from_the_family_page(client, rt, me):
    relative = person(rt, "王秀英", date(1952, 5, 20))
    page = client.get("/login")
    client.post("/login", data={"username": me.id_number, "password": "secret-pw", "csrf_token": _csrf(page.text)})
    token = _csrf(client.get("/family").text)
    client.post("/family/claim", data={"name": relative.name, "idNumber": relative.id_number, "kind": "sibling",
                                       "csrf_token": token})
    family_page = client.get("/family").text
    relationship_id = re.search(r'name="relationshipId" value="([^"]+)"', family_page).group(1)
    r = client.post("/family/withdraw", data={"relationshipId": relationship_id, "csrf_token": token},
                    headers={"HX-Request": "true"})
    assert r.status_code == 200 and "王秀英" not in r.text and count(rt, Relationship) == 0
