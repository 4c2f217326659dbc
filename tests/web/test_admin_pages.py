"""The console's partner and staff pages: admins only, a new key shown once, messages beside the fields."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from backend.graph.core.ids import to_global_id
from backend.services.admin import staff as staff_users
from backend.services.people import accounts
from backend.services.people.accounts import authenticate_api_key, authenticate_password
from backend.storage.models import ApiKey, Institution, StaffUser
from tests.helpers import CLI, audit_events, count, partner, staff
from web.app import create_app
from web.pages import admin_forms

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


def test_rotate_and_revoke_ask_first_then_say_what_happened(rt):
    inst, key = partner(rt)
    prefix = key.split("_")[1]
    with rt.db.read() as s:
        key_id = to_global_id("ApiKey", s.exec(ApiKey.__table__.select()).first().id)
    with _client(rt, "admin") as admin:
        # The first post only asks: a <dialog> that needs no script, naming the key and what will happen.
        asked = _post(admin, "/console/partners/rotate", {"id": key_id, "reason": "yearly"}, htmx=True)
        dialog = re.search(r'<dialog open class="confirm".*?</dialog>', asked.text, re.S).group(0)
        assert f"Rotate key {prefix} of {inst.name}?" in dialog and "keeps working for 24 hours" in dialog
        assert 'name="confirmed" value="yes"' in dialog and "Reason: yearly" in dialog
        assert audit_events(rt, "partner.key_rotate") == [] and authenticate_api_key(rt, key) is not None
        rotated = _post(admin, "/console/partners/rotate", {"id": key_id, "reason": "yearly", "confirmed": "yes"},
                        htmx=True)
        new_key = PLAINTEXT.search(rotated.text).group(1)
        assert f"The old key {prefix} keeps working until" in rotated.text
        refused = _post(admin, "/console/partners/revoke", {"id": key_id, "reason": ""}, htmx=True)
        assert f'id="error-{key_id}">Please give a reason.' in refused.text and "<dialog" not in refused.text
        # Without JavaScript: the plain post gets the whole page with the dialog, then the confirmed post
        # redirects to the list, which says what happened.
        asked = _post(admin, "/console/partners/revoke", {"id": key_id, "reason": "deployed the new key"})
        assert asked.status_code == 200 and "<html" in asked.text and f"Revoke key {prefix} of" in asked.text
        assert authenticate_api_key(rt, key) is not None
        revoked = _post(admin, "/console/partners/revoke",
                        {"id": key_id, "reason": "deployed the new key", "confirmed": "yes"})
        assert revoked.status_code == 303 and revoked.headers["location"] == "/console/partners"
        after = admin.get("/console/partners")
        assert re.search(rf'id="notice">Key {prefix} revoked at [^<]*: it opens nothing any more', after.text)
        assert 'id="notice"' not in admin.get("/console/partners").text  # said once
    assert authenticate_api_key(rt, key) is None and authenticate_api_key(rt, new_key).id == inst.id
    assert "deployed the new key" in audit_events(rt, "partner.key_revoke")[0].detail


def test_disable_asks_first_and_enable_does_not(rt):
    inst, key = partner(rt)
    partner_id = to_global_id("Institution", inst.id)
    with _client(rt, "admin") as admin:
        asked = _post(admin, "/console/partners/disable", {"id": partner_id, "reason": "contract ended"}, htmx=True)
        assert f"Disable {inst.name}?" in asked.text and authenticate_api_key(rt, key) is not None
        page = _post(admin, "/console/partners/disable",
                     {"id": partner_id, "reason": "contract ended", "confirmed": "yes"}, htmx=True)
        assert "Disabled since" in page.text and f"{inst.name} is disabled: none of its keys work" in page.text
        assert authenticate_api_key(rt, key) is None
        enabled = _post(admin, "/console/partners/enable", {"id": partner_id, "reason": "contract renewed"},
                        htmx=True)
        assert f"{inst.name} is enabled: its live keys work again." in enabled.text
    assert authenticate_api_key(rt, key) is not None


def test_partner_and_staff_pages_are_paged(rt, monkeypatch):
    monkeypatch.setattr(admin_forms, "PAGE_SIZE", 2)
    names = ["Pharmacy A", "Pharmacy B", "Pharmacy C"]
    for name in names:
        accounts.create_partner(rt, CLI, name=name, kind="pharmacy", level=0, region_code="370102")
    with _client(rt, "admin", "admin01") as admin:
        for username in ("clerk02", "clerk03"):
            staff(rt, "clerk", username=username)
        first = admin.get("/console/partners")
        assert "Page 1 of 2" in first.text and 'href="/console/partners?page=2"' in first.text
        assert names[0] in first.text and names[2] not in first.text
        second = admin.get("/console/partners?page=2")
        assert names[2] in second.text and names[0] not in second.text and 'href="/console/partners"' in second.text
        assert '<span class="count">3</span>' in second.text
        staff_second = admin.get("/console/staff?page=2")
        assert 'id="staff-clerk03"' in staff_second.text and 'id="staff-admin01"' not in staff_second.text
        # An action on page 2 comes back to page 2.
        with rt.db.read() as s:
            clerk03 = to_global_id("StaffUser", s.exec(StaffUser.__table__.select()
                                                       .where(StaffUser.username == "clerk03")).first().id)
        done = _post(admin, "/console/staff/enable", {"id": clerk03, "reason": "x", "page": "2"})
        assert done.status_code == 400  # clerk03 is active: NO_CHANGE, shown on page 2
        assert 'id="staff-clerk03"' in done.text and "Page 2 of 2" in done.text
        disabled = _post(admin, "/console/staff/disable", {"id": clerk03, "reason": "left", "page": "2",
                                                           "confirmed": "yes"})
        assert disabled.headers["location"] == "/console/staff?page=2"


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
        assert "clerk07 is added as Clerk." in admin.get("/console/staff").text
        assert authenticate_password(rt, "clerk07", "first-password").role == "clerk"
        short = _post(admin, "/console/staff/add", {"username": "clerk08", "name": "李", "role": "CLERK",
                                                     "password": "short", "reason": "new clerk"}, htmx=True)
        assert 'id="error-password">A password has 8 to 128 characters.' in short.text
        assert "short" not in re.search(r'id="staff-password"[^>]*>', short.text).group(0)
        with rt.db.read() as s:
            ids = {u.username: to_global_id("StaffUser", u.id) for u in s.exec(StaffUser.__table__.select())}
        last = _post(admin, "/console/staff/disable", {"id": ids["admin01"], "reason": "leaving", "confirmed": "yes"},
                     htmx=True)
        assert f'id="error-{ids["admin01"]}">At least one active administrator must remain.' in last.text
        moved = _post(admin, "/console/staff/role", {"id": ids["clerk07"], "role": "AUDITOR", "reason": "moved"},
                      htmx=True)
        assert "clerk07 is now Auditor, from their next click." in moved.text
        assert authenticate_password(rt, "clerk07", "first-password").role == "auditor"
        asked = _post(admin, "/console/staff/disable", {"id": ids["clerk07"], "reason": "left"}, htmx=True)
        assert "Disable clerk07 (王芳)?" in asked.text and "signed out everywhere at once" in asked.text
        assert authenticate_password(rt, "clerk07", "first-password") is not None
        disabled = _post(admin, "/console/staff/disable", {"id": ids["clerk07"], "reason": "left", "confirmed": "yes"},
                         htmx=True)
        assert "clerk07 is disabled: signed out everywhere, and cannot sign in." in disabled.text
        assert authenticate_password(rt, "clerk07", "first-password") is None
    assert [e.action for e in audit_events(rt) if e.channel == "console" and e.action.startswith("staff.")] == [
        "staff.create", "staff.role_set", "staff.disable"]


def test_staff_are_labelled_on_duty_or_disabled_not_with_the_insurance_word(rt):
    with _client(rt, "admin", "admin01") as admin:
        staff(rt, "clerk", username="clerk07")
        staff_users.disable_staff_user(rt, CLI, "clerk07", reason="left")
        page = admin.get("/console/staff", headers={"Accept-Language": "zh-CN"})
    assert re.search(r'id="staff-admin01".*?在岗', page.text, re.S)
    assert re.search(r'id="staff-clerk07".*?已停用', page.text, re.S)
    assert "参保中" not in page.text
