"""Signing in and registering principals: household members, staff users, partner institutions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import parse_id_number
from backend.domain.insurance import InsuranceStatus, InsuranceType
from backend.domain.regions import validate_region_code
from backend.domain.text import PERSON_NAME_MAX, clean_name
from backend.principals import Actor, InstitutionKind, Principal, PrincipalKind, StaffRole
from backend.runtime import Runtime
from backend.services import audit, ledger, throttle
from backend.services.credentials import (
    api_secret_matches,
    hash_password,
    new_api_key,
    split_api_key,
    verify_password,
)
from backend.storage.models import (
    ApiKey,
    Enrolment,
    Institution,
    Person,
    PersonalAccount,
    StaffUser,
)


@dataclass(frozen=True)
class NewPerson:
    name: str
    id_number: str
    insurance_type: str
    region_code: str
    phone: str | None = None
    password: str | None = None
    status: str = InsuranceStatus.ACTIVE
    balance_fen: int | None = None  # employees only


def register_person(rt: Runtime, actor: Actor, new: NewPerson) -> Person:
    now = rt.clock.now()
    parsed = parse_id_number(new.id_number, today=now.date())
    validate_region_code(new.region_code)
    try:
        InsuranceType(new.insurance_type), InsuranceStatus(new.status)
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, field="insuranceType") from None
    if new.balance_fen is not None and (new.insurance_type != InsuranceType.EMPLOYEE or new.balance_fen < 0):
        raise DomainError(ErrorCode.INVALID_INPUT, field="balanceFen")
    name = clean_name(new.name, max_length=PERSON_NAME_MAX)
    password_hash = hash_password(rt.settings, new.password) if new.password else None

    def work(s: Session) -> Person:
        person = Person(
            name=name, id_number=parsed.value, birth_date=parsed.birth_date, sex=parsed.sex.value,
            phone=new.phone, password_hash=password_hash, created_at=now,
        )
        s.add(person)
        s.flush()
        s.add(Enrolment(person_id=person.id, insurance_type=new.insurance_type,
                        region_code=new.region_code, status=new.status, updated_at=now))
        if new.insurance_type == InsuranceType.EMPLOYEE:
            s.add(PersonalAccount(person_id=person.id, balance_fen=0, updated_at=now))
            s.flush()
            # The balance carried in is a ledger movement like any other, so the ledger sums to it.
            ledger.record(s, "opening", person.id, now, [ledger.Movement(
                ledger.opening(new.region_code), ledger.personal(person.id), new.balance_fen or 0,
                target_person=person.id)])
        audit.record(s, actor, "person.register", at=now, subject_person_id=person.id)
        return person

    return rt.db.write(work)


def create_staff(rt: Runtime, actor: Actor, *, username: str, name: str, role: str, password: str) -> StaffUser:
    StaffRole(role)
    now = rt.clock.now()
    password_hash = hash_password(rt.settings, password)

    def work(s: Session) -> StaffUser:
        staff = StaffUser(username=username, name=name, role=role, password_hash=password_hash, created_at=now)
        s.add(staff)
        s.flush()
        audit.record(s, actor, "staff.create", at=now, staff_id=staff.id, role=role)
        return staff

    return rt.db.write(work)


def create_partner(
    rt: Runtime, actor: Actor, *, name: str, kind: str, level: int, region_code: str,
    key_seed: str | None = None,
) -> tuple[Institution, str]:
    """Register an institution and its first API key; the key's plaintext is returned once."""
    InstitutionKind(kind)
    validate_region_code(region_code)
    now = rt.clock.now()
    key = new_api_key(key_seed)

    def work(s: Session) -> Institution:
        inst = Institution(name=name, kind=kind, level=level, region_code=region_code, created_at=now)
        s.add(inst)
        s.flush()
        s.add(ApiKey(institution_id=inst.id, prefix=key.prefix, secret_sha256=key.secret_sha256, created_at=now))
        audit.record(s, actor, "partner.create", at=now, institution_id=inst.id)
        return inst

    return rt.db.write(work), key.plaintext


def authenticate_password(rt: Runtime, username: str, password: str) -> Principal | None:
    """A household member by ID number or phone, or a staff user by username."""
    username = username.strip()
    with rt.db.read() as s:
        staff = s.exec(select(StaffUser).where(StaffUser.username == username)).first()
        if staff is not None:
            # Verify even for a deactivated account, so timing does not tell which accounts are active.
            if verify_password(rt.settings, staff.password_hash, password) and staff.active:
                return Principal(PrincipalKind.STAFF, staff.id, staff.name, staff.role)
            return None
        person = s.exec(
            select(Person).where((Person.id_number == username.upper()) | (Person.phone == username))
        ).first()
    if verify_password(rt.settings, person.password_hash if person else None, password):
        return Principal(PrincipalKind.HOUSEHOLD, person.id, person.name)
    return None


def sign_in_with_password(rt: Runtime, username: str, password: str, address: str) -> Principal | None:
    """authenticate_password behind the attempt counters: a few failures lock the account name,
    many lock the address, for a quarter of an hour (TOO_MANY_ATTEMPTS)."""
    account = f"signin:account:{username.strip().lower()[:80]}"
    origin = f"signin:address:{address[:80]}"
    throttle.check(rt, throttle.SIGN_IN_PER_ACCOUNT, account)
    throttle.check(rt, throttle.SIGN_IN_PER_ADDRESS, origin)
    principal = authenticate_password(rt, username, password)
    if principal is None:
        throttle.failed(rt, throttle.SIGN_IN_PER_ACCOUNT, account)
        throttle.failed(rt, throttle.SIGN_IN_PER_ADDRESS, origin)
        return None
    throttle.clear(rt, account)
    return principal


def record_sign_in(rt: Runtime, actor: Actor) -> None:
    rt.db.write(lambda s: audit.record(s, actor, "auth.sign_in", at=rt.clock.now(),
                                       subject_person_id=actor.principal.id if actor.principal.is_household else None))


def load_principal(rt: Runtime, kind: str, principal_id: uuid.UUID) -> Principal | None:
    """The principal a session or bearer token names, if it still exists and may sign in."""
    with rt.db.read() as s:
        if kind == PrincipalKind.HOUSEHOLD:
            person = s.get(Person, principal_id)
            return Principal(PrincipalKind.HOUSEHOLD, person.id, person.name) if person else None
        if kind == PrincipalKind.STAFF:
            staff = s.get(StaffUser, principal_id)
            if staff and staff.active:
                return Principal(PrincipalKind.STAFF, staff.id, staff.name, staff.role)
        if kind == PrincipalKind.PARTNER:
            # A partner signs in with an API key; once every key is revoked its sessions end too.
            inst = s.get(Institution, principal_id)
            if inst is None:
                return None
            live_key = s.exec(select(ApiKey.id).where(ApiKey.institution_id == inst.id,
                                                      ApiKey.revoked_at.is_(None)).limit(1)).first()
            if live_key is not None:
                return Principal(PrincipalKind.PARTNER, inst.id, inst.name, inst.kind)
    return None


def authenticate_api_key(rt: Runtime, key: str) -> Principal | None:
    parts = split_api_key(key)
    if parts is None:
        return None
    prefix, secret = parts
    with rt.db.read() as s:
        row = s.exec(
            select(ApiKey, Institution)
            .join(Institution, Institution.id == ApiKey.institution_id)
            .where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        ).first()
    if row is None or not api_secret_matches(secret, row[0].secret_sha256):
        return None
    inst = row[1]
    return Principal(PrincipalKind.PARTNER, inst.id, inst.name, inst.kind)
