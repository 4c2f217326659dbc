"""Server-side sessions: every page session and bearer token is a row that can be deleted.

A signed cookie or token alone cannot be taken back before it expires, so each one carries a random
secret whose SHA-256 names an `AuthSession` row; without the row it opens nothing. A row per session
(not a per-user counter) lets signing out end one browser's session and leave the user's others.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_
from sqlmodel import Session, select

from backend.principals import Channel, Principal, PrincipalKind
from backend.runtime import Runtime
from backend.services.admin.api_keys import live_key as live
from backend.storage.models import ApiKey, AuthSession, Institution, Person, StaffUser

_SECRET_BYTES = 32


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(rt: Runtime, principal: Principal, *, ttl_seconds: int, channel: Channel = Channel.WEB,
          api_key_id: uuid.UUID | None = None) -> str:
    """A new session for `principal`; the returned secret goes into the cookie or token, once. A partner's
    session names the key it signed in with, and ends when that key stops working."""
    secret = base64.urlsafe_b64encode(rt.tokens.token_bytes(_SECRET_BYTES)).rstrip(b"=").decode()
    now = rt.clock.now()

    def work(s: Session) -> None:
        # Expired rows of this principal go here, so the table holds little more than live sessions.
        s.exec(delete(AuthSession).where(AuthSession.principal_id == principal.id, AuthSession.expires_at <= now))
        s.add(AuthSession(secret_sha256=_digest(secret), principal_kind=principal.kind.value,
                          principal_id=principal.id, channel=channel.value, created_at=now,
                          expires_at=now + timedelta(seconds=ttl_seconds), api_key_id=api_key_id))

    rt.db.write(work)
    return secret


def resolve(rt: Runtime, secret: str) -> Principal | None:
    """The principal of a live session, if it still exists and may sign in."""
    with rt.db.read() as s:
        return resolve_in(s, secret, rt.clock.now())


def resolve_in(s: Session, secret: str, now: datetime) -> Principal | None:
    """`resolve` in a read transaction of the caller's: one statement, since every signed-in page
    request asks (a page reads it in the transaction its operations then share)."""
    if not secret or len(secret) > 100:
        return None
    # The key the session signed in with (sessions from before migration 0008: any key of the partner).
    live_key = select(ApiKey.id).where(ApiKey.institution_id == AuthSession.principal_id, live(now),
                                       or_(AuthSession.api_key_id.is_(None), ApiKey.id == AuthSession.api_key_id)
                                       ).exists()
    query = (
        select(AuthSession.principal_kind, AuthSession.principal_id, AuthSession.expires_at, Person.name,
               Person.elderly_mode, StaffUser.name, StaffUser.role, StaffUser.active, Institution.name, Institution.kind, live_key)
        .select_from(AuthSession)
        .outerjoin(Person, and_(AuthSession.principal_kind == PrincipalKind.HOUSEHOLD.value,
                                Person.id == AuthSession.principal_id))
        .outerjoin(StaffUser, and_(AuthSession.principal_kind == PrincipalKind.STAFF.value,
                                   StaffUser.id == AuthSession.principal_id))
        .outerjoin(Institution, and_(AuthSession.principal_kind == PrincipalKind.PARTNER.value,
                                     Institution.id == AuthSession.principal_id, Institution.disabled_at.is_(None)))
        .where(AuthSession.secret_sha256 == _digest(secret)))
    row = s.exec(query).first()
    if row is None or row.expires_at <= now:
        return None
    return _principal(row)


def end(rt: Runtime, secret: str) -> None:
    rt.db.write(lambda s: s.exec(delete(AuthSession).where(AuthSession.secret_sha256 == _digest(secret))))


def end_all(s: Session, principal_id: uuid.UUID) -> None:
    """Inside a use case's transaction: every session and token of this principal ends with it."""
    s.exec(delete(AuthSession).where(AuthSession.principal_id == principal_id))


def _principal(row) -> Principal | None:
    (kind, principal_id, _, person_name, elderly_mode, staff_name, staff_role, staff_active, inst_name, inst_kind,
     live_key) = row
    if kind == PrincipalKind.HOUSEHOLD and person_name is not None:
        return Principal(PrincipalKind.HOUSEHOLD, principal_id, person_name, elderly_mode=bool(elderly_mode))
    if kind == PrincipalKind.STAFF and staff_name is not None and staff_active:
        return Principal(PrincipalKind.STAFF, principal_id, staff_name, staff_role)
    # A partner signs in with an API key; its session ends with that key, or with the institution disabled.
    if kind == PrincipalKind.PARTNER and inst_name is not None and live_key:
        return Principal(PrincipalKind.PARTNER, principal_id, inst_name, inst_kind)
    return None
