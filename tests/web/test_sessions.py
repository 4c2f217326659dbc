"""Sessions and bearer tokens end on the server: sign-out, a password change, a staff user disabled."""

import re
from datetime import date

import pytest
from starlette.testclient import TestClient

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import Sex
from backend.principals import Actor, Channel, PrincipalKind
from backend.services.admin import staff as staff_users
from backend.services.people import accounts
from backend.services.platform import sessions
from backend.storage.models import AuthSession
from tests.helpers import CLI, audit_events, count, person, staff
from web.app import create_app

pytestmark = pytest.mark.pooler

VIEWER = {"query": "{ viewer { __typename ... on Person { name } ... on StaffUser { role } } }"}


@pytest.fixture
def app(rt):
    return create_app(rt)


@pytest.fixture
def client(app):
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def me(rt):
    return person(rt, "张伟", date(1978, 3, 14), Sex.MALE, phone="13800000001", password="secret-pw")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _sign_in(client, username: str, password: str):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(page.text)},
                       follow_redirects=False)


def _token(client, username: str, password: str) -> str:
    r = client.post("/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _viewer(client, token: str):
    """The token's viewer, or None once the token has ended (the graph then answers 401)."""
    r = client.post("/graphql", json=VIEWER, headers={"Authorization": f"Bearer {token}"})
    if r.status_code == 401:
        assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        return None
    return r.json()["data"]["viewer"]


def _replay(app, cookie: str) -> TestClient:
    """Another browser that saved the session cookie (an attacker who copied it)."""
    other = TestClient(app, base_url="http://testserver")
    other.cookies.set("yibao_session", cookie)
    return other


def test_a_cookie_saved_before_sign_out_opens_nothing_after_it(app, client, me):
    assert _sign_in(client, me.id_number, "secret-pw").status_code == 303
    saved = client.cookies.get("yibao_session")
    assert _replay(app, saved).get("/family", follow_redirects=False).status_code == 200
    token = _csrf(client.get("/family").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    replayed = _replay(app, saved).get("/family", follow_redirects=False)
    assert replayed.status_code == 303 and replayed.headers["location"] == "/login"


def test_sign_out_ends_only_that_session(app, client, rt, me):
    _sign_in(client, me.id_number, "secret-pw")
    with TestClient(app, base_url="http://testserver") as phone:
        _sign_in(phone, "13800000001", "secret-pw")
        phone.post("/logout", data={"csrf_token": _csrf(phone.get("/family").text)})
        assert phone.get("/family", follow_redirects=False).status_code == 303
    assert client.get("/family", follow_redirects=False).status_code == 200
    assert count(rt, AuthSession) == 1


def test_a_session_ends_when_its_time_is_up_even_with_the_cookie_kept(app, client, rt, clock, me):
    _sign_in(client, me.id_number, "secret-pw")
    saved = client.cookies.get("yibao_session")
    clock.advance(seconds=rt.settings.session_max_age_seconds + 1)
    assert _replay(app, saved).get("/family", follow_redirects=False).status_code == 303


def test_a_password_change_ends_every_session_and_token(app, client, rt, me):
    _sign_in(client, me.id_number, "secret-pw")
    saved = client.cookies.get("yibao_session")
    token = _token(client, "13800000001", "secret-pw")
    assert _viewer(client, token) == {"__typename": "Person", "name": "张伟"}
    principal = accounts.authenticate_password(rt, me.id_number, "secret-pw")
    accounts.change_password(rt, Actor(principal, Channel.WEB), "secret-pw", "a-new-secret-1")
    assert _replay(app, saved).get("/family", follow_redirects=False).status_code == 303
    assert _viewer(client, token) is None
    assert accounts.authenticate_password(rt, me.id_number, "secret-pw") is None
    assert accounts.authenticate_password(rt, me.id_number, "a-new-secret-1") is not None
    [event] = audit_events(rt, "auth.password_change")
    assert event.subject_person_id == me.id and event.channel == "web"


def test_an_operator_setting_a_password_ends_sessions_too(app, client, rt, me):
    token = _token(client, me.id_number, "secret-pw")
    accounts.set_password(rt, CLI, "13800000001", "operator-set-pw")
    assert _viewer(client, token) is None
    assert accounts.authenticate_password(rt, me.id_number, "operator-set-pw") is not None
    [event] = audit_events(rt, "auth.password_set")
    assert event.subject_person_id == me.id and event.channel == "cli"


def test_disabling_a_staff_user_ends_their_sessions_and_tokens(app, client, rt):
    staff(rt, "clerk", username="clerk07")
    assert _sign_in(client, "clerk07", "pw").headers["location"] == "/console"
    saved = client.cookies.get("yibao_session")
    token = _token(client, "clerk07", "pw")
    assert _viewer(client, token) == {"__typename": "StaffUser", "role": "CLERK"}
    staff_users.disable_staff_user(rt, CLI, "clerk07", reason="left the office")
    assert _replay(app, saved).get("/console", follow_redirects=False).headers["location"] == "/login"
    assert _viewer(client, token) is None
    assert accounts.authenticate_password(rt, "clerk07", "pw") is None
    [event] = audit_events(rt, "staff.disable")
    assert '"reason": "left the office"' in event.detail and '"username": "clerk07"' in event.detail


def test_a_disabled_staff_user_signing_in_is_told_the_account_is_disabled(client, rt):
    staff(rt, "clerk", username="clerk07")
    staff_users.disable_staff_user(rt, CLI, "clerk07", reason="left the office")
    wrong = _sign_in(client, "clerk07", "not-it")
    assert wrong.status_code == 400 and "密码不匹配" in wrong.text and "停用" not in wrong.text
    right = _sign_in(client, "clerk07", "pw")
    assert right.status_code == 403 and "此账号已停用" in right.text
    assert client.get("/console", follow_redirects=False).headers["location"] == "/login"  # not signed in
    assert client.post("/auth/token", json={"username": "clerk07", "password": "not-it"}).status_code == 401
    token = client.post("/auth/token", json={"username": "clerk07", "password": "pw"})
    assert token.status_code == 403 and token.json()["error"] == "account_disabled"


def test_password_rules_are_typed_errors_and_write_nothing(rt, me):
    principal = accounts.authenticate_password(rt, me.id_number, "secret-pw")
    actor = Actor(principal, Channel.WEB)
    with pytest.raises(DomainError) as wrong:
        accounts.change_password(rt, actor, "not-it", "a-new-secret-1")
    assert wrong.value.code is ErrorCode.PASSWORD_INCORRECT and wrong.value.field == "currentPassword"
    with pytest.raises(DomainError) as short:
        accounts.change_password(rt, actor, "secret-pw", "short")
    assert short.value.code is ErrorCode.PASSWORD_LENGTH and short.value.field == "newPassword"
    with pytest.raises(DomainError) as unknown:
        accounts.set_password(rt, CLI, "nobody", "long-enough-pw")
    assert unknown.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as unknown_staff:
        staff_users.disable_staff_user(rt, CLI, "nobody", "left")
    assert unknown_staff.value.code is ErrorCode.NOT_FOUND
    assert accounts.authenticate_password(rt, me.id_number, "secret-pw") is not None
    assert audit_events(rt, "auth.password_change") == [] and audit_events(rt, "auth.password_set") == []


def test_sessions_service_round_trip(rt, me):
    principal = accounts.authenticate_password(rt, me.id_number, "secret-pw")
    token = sessions.start(rt, principal, ttl_seconds=60)
    assert sessions.resolve(rt, token) == principal
    assert sessions.resolve(rt, token + "x") is None
    sessions.end(rt, token)
    assert sessions.resolve(rt, token) is None and count(rt, AuthSession) == 0
    assert principal.kind is PrincipalKind.HOUSEHOLD


# --- the change-password page ---------------------------------------------------------------------

def _change(client, **fields):
    token = _csrf(client.get("/account/password").text)
    return client.post("/account/password", data={"csrf_token": token, **fields}, follow_redirects=False)


def test_the_change_password_page_is_linked_from_the_nav_and_keeps_this_browser_signed_in(app, client, rt, me):
    _sign_in(client, me.id_number, "secret-pw")
    saved = client.cookies.get("yibao_session")
    assert 'href="/account/password"' in client.get("/family").text
    r = _change(client, currentPassword="secret-pw", newPassword="a-new-secret-1", confirmPassword="a-new-secret-1")
    assert r.status_code == 303 and r.headers["location"] == "/account/password?changed=1"
    page = client.get(r.headers["location"])
    assert "密码已更改" in page.text
    assert client.get("/family", follow_redirects=False).status_code == 200
    assert _replay(app, saved).get("/family", follow_redirects=False).status_code == 303
    assert accounts.authenticate_password(rt, me.id_number, "a-new-secret-1") is not None


def test_change_password_errors_stand_beside_their_fields_and_change_nothing(client, rt, me):
    _sign_in(client, me.id_number, "secret-pw")
    client.cookies.set("lang", "en")
    r = _change(client, currentPassword="wrong", newPassword="a-new-secret-1", confirmPassword="a-new-secret-1")
    assert r.status_code == 400 and 'id="currentPassword-error"' in r.text
    assert "The current password is not correct." in r.text
    r = _change(client, currentPassword="secret-pw", newPassword="short", confirmPassword="short")
    assert r.status_code == 400 and 'id="newPassword-error"' in r.text and "8 to 128 characters" in r.text
    r = _change(client, currentPassword="secret-pw", newPassword="a-new-secret-1", confirmPassword="a-new-secret-2")
    assert r.status_code == 400 and 'id="confirmPassword-error"' in r.text
    assert accounts.authenticate_password(rt, me.id_number, "secret-pw") is not None
    assert client.get("/family", follow_redirects=False).status_code == 200


def test_change_password_needs_the_csrf_token_and_a_signed_in_member_or_staff_user(client, rt, me):
    assert client.get("/account/password", follow_redirects=False).headers["location"] == "/login"
    _sign_in(client, me.id_number, "secret-pw")
    r = client.post("/account/password", data={"currentPassword": "secret-pw", "newPassword": "a-new-secret-1",
                                               "confirmPassword": "a-new-secret-1"})
    assert r.status_code == 403
    assert accounts.authenticate_password(rt, me.id_number, "secret-pw") is not None


def test_a_staff_user_changes_their_password_from_the_console_nav(client, rt):
    staff(rt, "auditor", username="aud01")
    _sign_in(client, "aud01", "pw")
    assert 'href="/account/password"' in client.get("/console").text
    r = _change(client, currentPassword="pw", newPassword="auditor-pw-2", confirmPassword="auditor-pw-2")
    assert r.status_code == 303
    assert accounts.authenticate_password(rt, "aud01", "auditor-pw-2").role == "auditor"
    [event] = audit_events(rt, "auth.password_change")
    assert event.channel == "console" and event.acting_as == "staff:auditor"


def test_guessing_the_current_password_counts_like_sign_in(client, rt, me):
    _sign_in(client, me.id_number, "secret-pw")
    for _ in range(5):
        assert _change(client, currentPassword="guess", newPassword="a-new-secret-1",
                       confirmPassword="a-new-secret-1").status_code == 400
    r = _change(client, currentPassword="secret-pw", newPassword="a-new-secret-1", confirmPassword="a-new-secret-1")
    assert r.status_code == 429 and "retry-after" in r.headers
    assert client.post("/auth/token", json={"username": "13800000001", "password": "secret-pw"}).status_code == 429
