"""The console's partner and staff pages: admins only, a new key shown once, messages beside the fields."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from backend.graph.core.ids import to_global_id
from backend.services.people.accounts import authenticate_api_key, authenticate_password
from backend.storage.models import ApiKey, Institution, StaffUser
from tests.helpers import audit_events, count, partner, staff
from web.app import create_app

PLAINTEXT = re.compile(r'id="new-key-plaintext">(yb_[^<]+)<')


def _client(rt, role: str, username: str | None = None) -> TestClient:
    username = username or f"{role}x"
    staff(rt, role, username=username)
    client = TestClient(create_app(rt), headers={"Accept-Language": "en"})
    client.post("/login", data={"username": username, "password": "pw", "csrf_token": _csrf(client.get("/login"))})
    return client


def _csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _post(client, path: str, data: dict, *, htmx: bool = False):
    token = _csrf(client.get("/console/partners" if "partners" in path else "/console/staff"))
    headers = {"HX-Request": "true", "X-CSRF-Token": token} if htmx else {}
    return client.post(path, data={**data, "csrf_token": token}, headers=headers, follow_redirects=False)


REGISTER = {"name": "历下区人民医院", "kind": "HOSPITAL", "level": "2", "regionCode": "370102", "reason": "contract"}


def test_an_admin_registers_a_partner_and_sees_its_key_once(rt):
    with _client(rt, "admin") as admin:
        answer = _post(admin, "/console/partners/register", REGISTER)
        assert answer.status_code == 200
        key = PLAINTEXT.search(answer.text).group(1)
        assert authenticate_api_key(rt, key).name == "历下区人民医院"
        page = admin.get("/console/partners")
        assert "历下区人民医院" in page.text and key not in page.text  # never again
        assert key.split("_")[1] in page.text  # its prefix is


def test_bad_registration_shows_the_message_beside_the_field_and_writes_nothing(rt):
    with _client(rt, "admin") as admin:
        answer = _post(admin, "/console/partners/register", {**REGISTER, "regionCode": "3701"})
        assert answer.status_code == 400
        assert re.search(r'id="error-regionCode">A region code is six digits', answer.text)
        assert 'value="历下区人民医院"' in answer.text  # what was typed stays
        bogus = _post(admin, "/console/partners/register", {**REGISTER, "kind": "CLINIC"}, htmx=True)
        assert bogus.status_code == 200 and 'id="error-kind"' in bogus.text
        no_reason = _post(admin, "/console/partners/register", {**REGISTER, "reason": ""}, htmx=True)
        assert 'id="error-reason">Please give a reason.' in no_reason.text
    assert count(rt, Institution) == 0


def test_rotate_shows_the_new_key_and_revoke_stops_the_old_one(rt):
    inst, key = partner(rt)
    prefix = key.split("_")[1]
    with rt.db.read() as s:
        key_id = to_global_id("ApiKey", s.exec(ApiKey.__table__.select()).first().id)
    with _client(rt, "admin") as admin:
        rotated = _post(admin, "/console/partners/rotate", {"id": key_id, "reason": "yearly"}, htmx=True)
        new_key = PLAINTEXT.search(rotated.text).group(1)
        assert f"The old key {prefix} keeps working until" in rotated.text
        refused = _post(admin, "/console/partners/revoke", {"id": key_id, "reason": ""}, htmx=True)
        assert f'id="error-{key_id}">Please give a reason.' in refused.text
        revoked = _post(admin, "/console/partners/revoke", {"id": key_id, "reason": "deployed the new key"})
        assert revoked.status_code == 303 and revoked.headers["location"] == "/console/partners"
    assert authenticate_api_key(rt, key) is None and authenticate_api_key(rt, new_key).id == inst.id
    assert "deployed the new key" in audit_events(rt, "partner.key_revoke")[0].detail


def test_disable_and_enable_a_partner_from_the_page(rt):
    inst, key = partner(rt)
    partner_id = to_global_id("Institution", inst.id)
    with _client(rt, "admin") as admin:
        page = _post(admin, "/console/partners/disable", {"id": partner_id, "reason": "contract ended"}, htmx=True)
        assert "Disabled since" in page.text
        assert authenticate_api_key(rt, key) is None
        _post(admin, "/console/partners/enable", {"id": partner_id, "reason": "contract renewed"})
    assert authenticate_api_key(rt, key) is not None


def test_only_admins_open_the_pages(rt):
    with _client(rt, "clerk") as clerk:
        for path in ("/console/partners", "/console/staff"):
            page = clerk.get(path)
            assert page.status_code == 403 and "Only administrators manage" in page.text
        refused = _post(clerk, "/console/partners/register", REGISTER)
        assert refused.status_code == 403 and "Only administrators manage partners." in refused.text
    assert count(rt, Institution) == 0


def test_an_admin_adds_disables_and_promotes_staff(rt):
    with _client(rt, "admin", "admin01") as admin:
        added = _post(admin, "/console/staff/add", {"username": "clerk07", "name": "王芳", "role": "CLERK",
                                                     "password": "first-password", "reason": "new clerk"})
        assert added.status_code == 303
        assert authenticate_password(rt, "clerk07", "first-password").role == "clerk"
        short = _post(admin, "/console/staff/add", {"username": "clerk08", "name": "李", "role": "CLERK",
                                                     "password": "short", "reason": "new clerk"}, htmx=True)
        assert 'id="error-password">A password has 8 to 128 characters.' in short.text
        assert "short" not in re.search(r'id="staff-password"[^>]*>', short.text).group(0)
        with rt.db.read() as s:
            ids = {u.username: to_global_id("StaffUser", u.id) for u in s.exec(StaffUser.__table__.select())}
        last = _post(admin, "/console/staff/disable", {"id": ids["admin01"], "reason": "leaving"}, htmx=True)
        assert f'id="error-{ids["admin01"]}">At least one active administrator must remain.' in last.text
        _post(admin, "/console/staff/role", {"id": ids["clerk07"], "role": "AUDITOR", "reason": "moved"})
        assert authenticate_password(rt, "clerk07", "first-password").role == "auditor"
        disabled = _post(admin, "/console/staff/disable", {"id": ids["clerk07"], "reason": "left"}, htmx=True)
        assert "Disabled" in disabled.text and authenticate_password(rt, "clerk07", "first-password") is None
    assert [e.action for e in audit_events(rt) if e.channel == "console" and e.action.startswith("staff.")] == [
        "staff.create", "staff.role_set", "staff.disable"]
