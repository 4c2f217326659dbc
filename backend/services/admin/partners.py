"""Partner institutions and their API keys: register, issue, rotate, revoke, disable, enable.

Admins only, each action one transaction with its audit event and the reason given. A key works while
it is not revoked, not past its `expires_at` (set when it is rotated: the grace period) and its
institution is not disabled (`api_keys.live_key`, shared by sign-in and sessions), so a change here
stops the key on the caller's next request.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.regions import validate_shandong_division
from backend.domain.text import clean_name, clean_reason
from backend.policy import is_admin
from backend.principals import Actor, InstitutionKind
from backend.runtime import Runtime
from backend.services.admin.api_keys import is_live
from backend.services.platform import audit, sessions
from backend.services.platform.credentials import new_api_key
from backend.storage.models import ApiKey, Institution

INSTITUTION_NAME_MAX = 100
KeyRef = uuid.UUID | str  # a key's id, or its public prefix (what operators see in `yb_<prefix>_…`)


@dataclass(frozen=True)
class IssuedKey:
    """A new key; `plaintext` exists only here, shown to the admin once and never stored."""

    key: ApiKey
    plaintext: str


@dataclass(frozen=True)
class Rotation:
    new: IssuedKey
    old: ApiKey  # its `expires_at` ends the grace period, or it is revoked at once (grace 0)


def _require_admin(actor: Actor) -> None:
    if not is_admin(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)


def _kind(kind: str) -> InstitutionKind:
    try:
        return InstitutionKind(kind)
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, field="kind") from None


def _check_level(kind: InstitutionKind, level: int) -> None:
    """Hospitals have level 1-3 (0 while unknown: settlements then use the level-0 ratios); others 0."""
    if not (0 <= level <= 3 if kind is InstitutionKind.HOSPITAL else level == 0):
        raise DomainError(ErrorCode.LEVEL_INVALID, field="level")


def _add_key(s: Session, institution_id: uuid.UUID, now: datetime, seed: str | None = None) -> IssuedKey:
    made = new_api_key(seed)
    key = ApiKey(institution_id=institution_id, prefix=made.prefix, secret_sha256=made.secret_sha256, created_at=now)
    s.add(key)
    s.flush()
    return IssuedKey(key, made.plaintext)


def register(rt: Runtime, actor: Actor, *, name: str, kind: str, level: int, region_code: str,
             reason: str | None = None, key_seed: str | None = None,
             institution_code: str | None = None) -> tuple[Institution, IssuedKey]:
    """An institution and its first key. `register_partner` is the admin's checked way in; this is
    also what `yibao create-partner` and the demo data use."""
    kind_ = _kind(kind)
    validate_shandong_division(region_code)
    now = rt.clock.now()

    def work(s: Session) -> tuple[Institution, IssuedKey]:
        inst = Institution(name=name, kind=kind_.value, level=level, region_code=region_code, created_at=now,
                           institution_code=institution_code)
        s.add(inst)
        s.flush()
        issued = _add_key(s, inst.id, now, key_seed)
        audit.record(s, actor, "partner.create", at=now, institution_id=inst.id, name=name, prefix=issued.key.prefix,
                     reason=reason)
        return inst, issued

    return rt.db.write(work)


def register_partner(rt: Runtime, actor: Actor, *, name: str, kind: str, level: int, region_code: str,
                     reason: str) -> tuple[Institution, IssuedKey]:
    _require_admin(actor)
    reason = clean_reason(reason)
    _check_level(_kind(kind), level)
    return register(rt, actor, name=clean_name(name, max_length=INSTITUTION_NAME_MAX), kind=kind, level=level,
                    region_code=region_code, reason=reason)


def _locked_institution(s: Session, institution_id: uuid.UUID) -> Institution:
    inst = s.get(Institution, institution_id, with_for_update=True)
    if inst is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="partnerId")
    return inst


def _locked_key(s: Session, ref: KeyRef) -> ApiKey:
    where = ApiKey.id == ref if isinstance(ref, uuid.UUID) else ApiKey.prefix == ref.strip()
    key = s.exec(select(ApiKey).where(where).with_for_update()).first()
    if key is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="keyId")
    return key


def issue_key(rt: Runtime, actor: Actor, institution_id: uuid.UUID, reason: str) -> IssuedKey:
    """One more key for an enabled institution; its other keys keep working."""
    _require_admin(actor)
    reason = clean_reason(reason)
    now = rt.clock.now()

    def work(s: Session) -> IssuedKey:
        inst = _locked_institution(s, institution_id)
        if inst.disabled_at is not None:
            raise DomainError(ErrorCode.PARTNER_DISABLED, field="partnerId")
        issued = _add_key(s, inst.id, now)
        audit.record(s, actor, "partner.key_issue", at=now, institution_id=inst.id, prefix=issued.key.prefix,
                     reason=reason)
        return issued

    return rt.db.write(work)


def rotate_key(rt: Runtime, actor: Actor, ref: KeyRef, reason: str) -> Rotation:
    """A new key replaces a live one. The old secret keeps working for API_KEY_ROTATION_GRACE_HOURS,
    so the partner can deploy the new one without a gap; with 0 it is revoked at once."""
    _require_admin(actor)
    reason = clean_reason(reason)
    now = rt.clock.now()
    grace = timedelta(hours=rt.settings.api_key_rotation_grace_hours)

    def work(s: Session) -> Rotation:
        old = _locked_key(s, ref)
        # A key already rotated has its successor; rotating it again would hand out a second one.
        if not is_live(old, now) or old.expires_at is not None:
            raise DomainError(ErrorCode.KEY_NOT_LIVE, field="keyId")
        inst = _locked_institution(s, old.institution_id)
        if inst.disabled_at is not None:
            raise DomainError(ErrorCode.PARTNER_DISABLED, field="keyId")
        if grace:
            old.expires_at = now + grace
        else:
            old.revoked_at = now
        s.add(old)
        issued = _add_key(s, inst.id, now)
        audit.record(s, actor, "partner.key_rotate", at=now, institution_id=inst.id, prefix=old.prefix,
                     new_prefix=issued.key.prefix, old_works_until=old.expires_at or now, reason=reason)
        return Rotation(issued, old)

    return rt.db.write(work)


def revoke_key(rt: Runtime, actor: Actor, ref: KeyRef, reason: str) -> ApiKey:
    """The key stops working at once, a rotated key's grace included; so do sessions signed in with it."""
    _require_admin(actor)
    reason = clean_reason(reason)
    now = rt.clock.now()

    def work(s: Session) -> ApiKey:
        key = _locked_key(s, ref)
        if not is_live(key, now):
            raise DomainError(ErrorCode.KEY_NOT_LIVE, field="keyId")
        key.revoked_at = now
        s.add(key)
        audit.record(s, actor, "partner.key_revoke", at=now, institution_id=key.institution_id, prefix=key.prefix,
                     reason=reason)
        return key

    return rt.db.write(work)


def _set_disabled(rt: Runtime, actor: Actor, institution_id: uuid.UUID, reason: str, disable: bool) -> Institution:
    _require_admin(actor)
    reason = clean_reason(reason)
    now = rt.clock.now()

    def work(s: Session) -> Institution:
        inst = _locked_institution(s, institution_id)
        if (inst.disabled_at is not None) == disable:
            raise DomainError(ErrorCode.NO_CHANGE, field="partnerId")
        inst.disabled_at = now if disable else None
        s.add(inst)
        if disable:
            sessions.end_all(s, inst.id)
        audit.record(s, actor, "partner.disable" if disable else "partner.enable", at=now, institution_id=inst.id,
                     reason=reason)
        return inst

    return rt.db.write(work)


# The national platform's institution code (定点医药机构编号): a letter (H hospital, P pharmacy, …) and 11
# digits, the first six of them the region; 12 characters, as the first part of every msgid.
INSTITUTION_CODE = re.compile(r"[A-Z][0-9]{11}")


def set_institution_code(rt: Runtime, actor: Actor, institution_id: uuid.UUID, code: str | None,
                         reason: str) -> Institution:
    """Admins: the code the HSA gateway requires in the partner's `fixmedins_code`; empty removes it."""
    _require_admin(actor)
    reason = clean_reason(reason)
    code = (code or "").strip().upper() or None
    if code is not None and not INSTITUTION_CODE.fullmatch(code):
        raise DomainError(ErrorCode.INSTITUTION_CODE_INVALID, field="institutionCode")
    now = rt.clock.now()

    def work(s: Session) -> Institution:
        inst = _locked_institution(s, institution_id)
        if inst.institution_code == code:
            raise DomainError(ErrorCode.NO_CHANGE, field="institutionCode")
        if code is not None and s.exec(select(Institution.id).where(Institution.institution_code == code,
                                                                   Institution.id != inst.id)).first():
            raise DomainError(ErrorCode.INSTITUTION_CODE_TAKEN, field="institutionCode")
        previous, inst.institution_code = inst.institution_code, code
        s.add(inst)
        s.flush()  # a concurrent admin setting the same code fails here, on the unique index
        audit.record(s, actor, "partner.institution_code", at=now, institution_id=inst.id, previous=previous,
                     code=code, reason=reason)
        return inst

    try:
        return rt.db.write(work)
    except IntegrityError:
        raise DomainError(ErrorCode.INSTITUTION_CODE_TAKEN, field="institutionCode") from None


def disable_partner(rt: Runtime, actor: Actor, institution_id: uuid.UUID, reason: str) -> Institution:
    """None of the institution's keys or sessions open anything until it is enabled again."""
    return _set_disabled(rt, actor, institution_id, reason, True)


def enable_partner(rt: Runtime, actor: Actor, institution_id: uuid.UUID, reason: str) -> Institution:
    """Its keys that are still live work again; revoked and expired ones stay so."""
    return _set_disabled(rt, actor, institution_id, reason, False)


def keys_of(s: Session, institution_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ApiKey]]:
    """Each institution's keys, newest first, in one statement (a DataLoader batch)."""
    rows = s.exec(select(ApiKey).where(ApiKey.institution_id.in_(institution_ids))
                  .order_by(ApiKey.created_at.desc(), ApiKey.prefix)).all() if institution_ids else []
    out: dict[uuid.UUID, list[ApiKey]] = defaultdict(list)
    for key in rows:
        out[key.institution_id].append(key)
    return out


@dataclass(frozen=True)
class PartnerRecord:
    institution: Institution
    keys: list[ApiKey]  # newest first


def list_partners(rt: Runtime, offset: int = 0, limit: int | None = None) -> tuple[list[PartnerRecord], int]:
    """A page of the institutions by name (all of them without a limit), each with all its keys, and how
    many there are in all (three statements)."""
    with rt.db.read() as s:
        total = s.exec(select(func.count()).select_from(Institution)).one()
        institutions = list(s.exec(select(Institution).order_by(Institution.name, Institution.id)
                                   .offset(offset).limit(limit)).all())
        keys = keys_of(s, [inst.id for inst in institutions])
    return [PartnerRecord(inst, keys.get(inst.id, [])) for inst in institutions], total
