"""Staff users: add, change role, disable, enable. Admins only; every action audited with its reason.

A disabled user's sessions and tokens (rows of `authsession`) end in the same transaction. The service
never leaves the insurer without an active admin: a change that would remove the last one locks every
active admin's row first (always in id order), so two admins demoting or disabling each other at the
same moment cannot both succeed; the second one waits, sees the first's change and gets LAST_ADMIN.
"""

from __future__ import annotations

import re
import uuid

from sqlmodel import Session, func, select

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.text import clean_name, clean_reason
from backend.policy import is_admin
from backend.principals import Actor, StaffRole
from backend.runtime import Runtime
from backend.services.platform import audit, sessions
from backend.services.platform.credentials import check_password_length, hash_password
from backend.storage.models import StaffUser

USERNAME_MIN, USERNAME_MAX = 3, 32
_USERNAME = re.compile(rf"[a-z0-9][a-z0-9._-]{{{USERNAME_MIN - 1},{USERNAME_MAX - 1}}}")
STAFF_NAME_MAX = 64
StaffRef = uuid.UUID | str  # a staff user's id, or their username


def _require_admin(actor: Actor) -> None:
    if not is_admin(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)


def _role(role: str) -> StaffRole:
    try:
        return StaffRole(role)
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, field="role") from None


def create(rt: Runtime, actor: Actor, *, username: str, name: str, role: str, password: str,
           reason: str | None = None) -> StaffUser:
    """Insert a staff user. `add_staff_user` is the admin's checked way in; this is also what
    `yibao create-staff` (the first admin) and the demo data use."""
    role_ = _role(role)
    now = rt.clock.now()
    password_hash = hash_password(rt.settings, password)

    def work(s: Session) -> StaffUser:
        if s.exec(select(StaffUser.id).where(StaffUser.username == username)).first() is not None:
            raise DomainError(ErrorCode.USERNAME_TAKEN, field="username")
        staff = StaffUser(username=username, name=name, role=role_.value, password_hash=password_hash, created_at=now)
        s.add(staff)
        s.flush()
        audit.record(s, actor, "staff.create", at=now, staff_id=staff.id, username=username, role=role_.value,
                     reason=reason)
        return staff

    return rt.db.write(work)


def add_staff_user(rt: Runtime, actor: Actor, *, username: str, name: str, role: str, password: str,
                   reason: str) -> StaffUser:
    """A new staff user with a first password the admin hands over; they change it on first use."""
    _require_admin(actor)
    reason = clean_reason(reason)
    username = username.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise DomainError(ErrorCode.USERNAME_INVALID, field="username", min=USERNAME_MIN, max=USERNAME_MAX)
    name = clean_name(name, max_length=STAFF_NAME_MAX)
    check_password_length(password, field="password")
    return create(rt, actor, username=username, name=name, role=role, password=password, reason=reason)


def _locked(s: Session, ref: StaffRef) -> StaffUser:
    where = StaffUser.id == ref if isinstance(ref, uuid.UUID) else StaffUser.username == ref.strip().lower()
    staff = s.exec(select(StaffUser).where(where).with_for_update()).first()
    if staff is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="staffId" if isinstance(ref, uuid.UUID) else "username")
    return staff


def _change(rt: Runtime, actor: Actor, ref: StaffRef, reason: str, action: str, apply, *,
            removes_admin) -> StaffUser:
    """One change to one staff user: lock the active admins, then the user; refuse if it would leave
    no active admin; apply; audit."""
    _require_admin(actor)
    reason = clean_reason(reason)
    now = rt.clock.now()

    def work(s: Session) -> StaffUser:
        admins = list(s.exec(select(StaffUser.id).where(StaffUser.role == StaffRole.ADMIN.value, StaffUser.active)
                             .order_by(StaffUser.id).with_for_update()).all())
        staff = _locked(s, ref)
        if removes_admin(staff) and admins == [staff.id]:
            raise DomainError(ErrorCode.LAST_ADMIN, field="staffId")
        detail = apply(s, staff)
        s.add(staff)
        audit.record(s, actor, action, at=now, staff_id=staff.id, username=staff.username, reason=reason, **detail)
        return staff

    return rt.db.write(work)


def _is_active_admin(staff: StaffUser) -> bool:
    return staff.active and staff.role == StaffRole.ADMIN


def set_staff_role(rt: Runtime, actor: Actor, ref: StaffRef, role: str, reason: str) -> StaffUser:
    """Takes effect on the user's next request: sessions read the role from the row each time."""
    role_ = _role(role)

    def apply(s: Session, staff: StaffUser) -> dict:
        if staff.role == role_.value:
            raise DomainError(ErrorCode.NO_CHANGE, field="role")
        before, staff.role = staff.role, role_.value
        return {"role": role_.value, "previous_role": before}

    return _change(rt, actor, ref, reason, "staff.role_set", apply,
                   removes_admin=lambda staff: _is_active_admin(staff) and role_ is not StaffRole.ADMIN)


def disable_staff_user(rt: Runtime, actor: Actor, ref: StaffRef, reason: str) -> StaffUser:
    """The user can no longer sign in, and every session and token of theirs ends now."""

    def apply(s: Session, staff: StaffUser) -> dict:
        if not staff.active:
            raise DomainError(ErrorCode.NO_CHANGE, field="staffId")
        staff.active = False
        sessions.end_all(s, staff.id)
        return {}

    return _change(rt, actor, ref, reason, "staff.disable", apply, removes_admin=_is_active_admin)


def enable_staff_user(rt: Runtime, actor: Actor, ref: StaffRef, reason: str) -> StaffUser:
    """The user may sign in again, with the password they had (or one set with `yibao set-password`)."""

    def apply(s: Session, staff: StaffUser) -> dict:
        if staff.active:
            raise DomainError(ErrorCode.NO_CHANGE, field="staffId")
        staff.active = True
        return {}

    return _change(rt, actor, ref, reason, "staff.enable", apply, removes_admin=lambda staff: False)


def list_staff(rt: Runtime, offset: int = 0, limit: int | None = None) -> tuple[list[StaffUser], int]:
    """A page of the staff users by username (all of them without a limit), and how many there are."""
    with rt.db.read() as s:
        total = s.exec(select(func.count()).select_from(StaffUser)).one()
        rows = list(s.exec(select(StaffUser).order_by(StaffUser.username).offset(offset).limit(limit)).all())
    return rows, total
