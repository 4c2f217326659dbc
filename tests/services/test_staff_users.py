"""Staff users: add, change role, disable, enable; never zero admins, even when two admins race."""

from __future__ import annotations

import threading

import pytest

from backend.domain.errors import DomainError, ErrorCode
from backend.principals import Actor, Channel
from backend.services.admin import staff as staff_users
from backend.services.people.accounts import authenticate_password
from backend.services.platform import sessions
from backend.storage.models import StaffUser
from tests.helpers import audit_events, count, staff


@pytest.fixture
def admin(rt) -> Actor:
    return Actor(staff(rt, "admin", username="admin01"), Channel.CONSOLE)


def _refused(code: ErrorCode, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    assert refused.value.code is code, refused.value
    return refused.value


def _add(rt, admin, **overrides) -> StaffUser:
    values = dict(username="clerk07", name="窗口经办 王芳", role="clerk", password="first-password",
                  reason="new counter clerk")
    return staff_users.add_staff_user(rt, admin, **{**values, **overrides})


def test_an_admin_adds_a_staff_user_who_can_sign_in(rt, admin):
    user = _add(rt, admin, username="  Clerk07 ")
    assert user.username == "clerk07"
    assert authenticate_password(rt, "clerk07", "first-password").role == "clerk"
    [event] = [e for e in audit_events(rt, "staff.create") if '"reason": "new counter clerk"' in e.detail]
    assert event.actor_id == str(admin.principal.id)


@pytest.mark.parametrize("overrides, code, field", [
    ({"reason": ""}, ErrorCode.REASON_REQUIRED, "reason"),
    ({"reason": "x" * 201}, ErrorCode.REASON_TOO_LONG, "reason"),
    ({"username": "a"}, ErrorCode.USERNAME_INVALID, "username"),
    ({"username": "王芳"}, ErrorCode.USERNAME_INVALID, "username"),
    ({"username": "admin01"}, ErrorCode.USERNAME_TAKEN, "username"),
    ({"name": " "}, ErrorCode.NAME_REQUIRED, "name"),
    ({"role": "boss"}, ErrorCode.INVALID_INPUT, "role"),
    ({"password": "short"}, ErrorCode.PASSWORD_LENGTH, "password"),
])
def test_bad_input_is_refused_beside_its_field_and_writes_nothing(rt, admin, overrides, code, field):
    before = count(rt, StaffUser)
    assert _refused(code, _add, rt, admin, **overrides).field == field
    assert count(rt, StaffUser) == before and len(audit_events(rt, "staff.create")) == 1


def test_only_admins_manage_staff(rt, admin):
    user = _add(rt, admin)
    for role in ("clerk", "auditor"):
        other = Actor(staff(rt, role), Channel.CONSOLE)
        _refused(ErrorCode.NOT_ALLOWED, _add, rt, other, username=f"new{role}")
        _refused(ErrorCode.NOT_ALLOWED, staff_users.set_staff_role, rt, other, user.id, "admin", "promote me")
        _refused(ErrorCode.NOT_ALLOWED, staff_users.disable_staff_user, rt, other, user.id, "why")


def test_disabling_ends_sessions_and_tokens_at_once_and_enabling_lets_them_sign_in(rt, admin):
    user = _add(rt, admin)
    principal = authenticate_password(rt, "clerk07", "first-password")
    page = sessions.start(rt, principal, ttl_seconds=600, channel=Channel.CONSOLE)
    token = sessions.start(rt, principal, ttl_seconds=600, channel=Channel.GRAPHQL)
    staff_users.disable_staff_user(rt, admin, user.id, "left the office")
    assert sessions.resolve(rt, page) is None and sessions.resolve(rt, token) is None
    assert authenticate_password(rt, "clerk07", "first-password") is None
    _refused(ErrorCode.NO_CHANGE, staff_users.disable_staff_user, rt, admin, user.id, "again")
    staff_users.enable_staff_user(rt, admin, "clerk07", "back from leave")
    assert authenticate_password(rt, "clerk07", "first-password") is not None
    assert sessions.resolve(rt, page) is None  # the ended sessions stay ended
    [disabled] = audit_events(rt, "staff.disable")
    [enabled] = audit_events(rt, "staff.enable")
    assert '"reason": "left the office"' in disabled.detail and '"reason": "back from leave"' in enabled.detail


def test_a_role_change_applies_to_the_next_request(rt, admin):
    user = _add(rt, admin)
    session = sessions.start(rt, authenticate_password(rt, "clerk07", "first-password"), ttl_seconds=600)
    staff_users.set_staff_role(rt, admin, user.id, "auditor", "moved to audit")
    assert sessions.resolve(rt, session).role == "auditor"
    _refused(ErrorCode.NO_CHANGE, staff_users.set_staff_role, rt, admin, user.id, "auditor", "again")
    [event] = audit_events(rt, "staff.role_set")
    assert '"previous_role": "clerk"' in event.detail and '"role": "auditor"' in event.detail


def test_the_last_active_admin_cannot_be_demoted_or_disabled(rt, admin):
    _refused(ErrorCode.LAST_ADMIN, staff_users.set_staff_role, rt, admin, admin.principal.id, "clerk", "why")
    _refused(ErrorCode.LAST_ADMIN, staff_users.disable_staff_user, rt, admin, "admin01", "why")
    second = _add(rt, admin, username="admin02", role="admin")
    staff_users.disable_staff_user(rt, admin, second.id, "on leave")
    # A disabled admin does not count.
    _refused(ErrorCode.LAST_ADMIN, staff_users.disable_staff_user, rt, admin, "admin01", "why")
    staff_users.enable_staff_user(rt, admin, second.id, "back")
    staff_users.set_staff_role(rt, admin, "admin01", "clerk", "handing over")
    assert audit_events(rt, "staff.disable")[0].detail.count("on leave") == 1


@pytest.mark.serializable
def test_two_admins_removing_each_other_at_once_leave_one(rt, admin, monkeypatch):
    """Each locks the active admins before deciding, so the second waits and sees the first's change.
    Both are held just after reading the admins, for up to a second: without the lock both would read
    two admins there, and both would go ahead."""
    _add(rt, admin, username="admin02", role="admin")
    start, after_admins_read = threading.Barrier(2), threading.Barrier(2, timeout=1)
    locked = staff_users._locked

    def held(s, ref):
        try:
            after_admins_read.wait()
        except threading.BrokenBarrierError:
            pass  # the other one is waiting on our locks, as it should
        return locked(s, ref)

    monkeypatch.setattr(staff_users, "_locked", held)
    outcomes: dict[str, str] = {}

    def remove(username: str, how: str) -> None:
        start.wait()
        try:
            if how == "disable":
                staff_users.disable_staff_user(rt, admin, username, "race")
            else:
                staff_users.set_staff_role(rt, admin, username, "clerk", "race")
            outcomes[username] = "done"
        except DomainError as refused:
            outcomes[username] = refused.code.value

    threads = [threading.Thread(target=remove, args=("admin01", "disable")),
               threading.Thread(target=remove, args=("admin02", "demote"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["LAST_ADMIN", "done"], outcomes
    with rt.db.read() as s:
        admins = s.exec(StaffUser.__table__.select().where(StaffUser.role == "admin", StaffUser.active)).all()
    assert len(admins) == 1
