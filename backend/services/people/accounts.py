"""Signing in and registering principals: household members, staff users, partner institutions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, DateTime, bindparam
from sqlmodel import Session, select

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import parse_id_number
from backend.domain.insurance import InsuranceStatus, InsuranceType
from backend.domain.regions import validate_region_code
from backend.domain.text import PERSON_NAME_MAX, clean_name
from backend.principals import Actor, Principal, PrincipalKind
from backend.runtime import Runtime
from backend.services.admin import partners
from backend.services.admin import staff as staff_users
from backend.services.admin.api_keys import live_key
from backend.services.money import ledger
from backend.services.platform import audit, sessions, throttle
from backend.services.platform.credentials import (
    api_secret_matches,
    check_password_length,
    hash_password,
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


# The unchecked ways in, for `yibao create-staff` / `create-partner` and the demo data; admins use
# `staff.add_staff_user` and `partners.register_partner`.
def create_staff(rt: Runtime, actor: Actor, *, username: str, name: str, role: str, password: str) -> StaffUser:
    return staff_users.create(rt, actor, username=username, name=name, role=role, password=password)


def create_partner(
    rt: Runtime, actor: Actor, *, name: str, kind: str, level: int, region_code: str,
    key_seed: str | None = None, institution_code: str | None = None,
) -> tuple[Institution, str]:
    """Register an institution and its first API key; the key's plaintext is returned once."""
    inst, issued = partners.register(rt, actor, name=name, kind=kind, level=level, region_code=region_code,
                                     key_seed=key_seed, institution_code=institution_code)
    return inst, issued.plaintext


Account = StaffUser | Person


def _find_account(s: Session, username: str) -> Account | None:
    """A staff user by username, else a household member by ID number or phone."""
    staff = s.exec(select(StaffUser).where(StaffUser.username == username)).first()
    if staff is not None:
        return staff
    return s.exec(select(Person).where((Person.id_number == username.upper()) | (Person.phone == username))).first()


def _principal_of(account: Account) -> Principal:
    if isinstance(account, StaffUser):
        return Principal(PrincipalKind.STAFF, account.id, account.name, account.role)
    return Principal(PrincipalKind.HOUSEHOLD, account.id, account.name)


def _password_matches(rt: Runtime, account: Account | None, password: str) -> bool:
    # Verify even for a missing or disabled account, so timing does not tell which accounts exist.
    return verify_password(rt.settings, account.password_hash if account else None, password)


def _disabled(account: Account) -> bool:
    return isinstance(account, StaffUser) and not account.active


def _verify(rt: Runtime, account: Account | None, password: str) -> Principal | None:
    if not _password_matches(rt, account, password) or _disabled(account):
        return None
    return _principal_of(account)


def _attempts_key(account: Account | None, username: str) -> str:
    """Guesses count against the person, whichever of their names (ID number, phone) was typed."""
    if isinstance(account, StaffUser):
        return f"signin:staff:{account.id}"
    if account is not None:
        return f"signin:person:{account.id}"
    return f"signin:name:{username.lower()[:80]}"


def authenticate_password(rt: Runtime, username: str, password: str) -> Principal | None:
    """A household member by ID number or phone, or a staff user by username."""
    with rt.db.read() as s:
        account = _find_account(s, username.strip())
    return _verify(rt, account, password)


def sign_in_with_password(rt: Runtime, username: str, password: str, address: str) -> Principal | None:
    """authenticate_password behind the attempt counters: a few failures lock the person (or, for a
    name nobody has, the name), many lock the address, for a quarter of an hour (TOO_MANY_ATTEMPTS).

    A disabled staff user who types the right password is told so (ACCOUNT_DISABLED); with a wrong one
    they hear what everyone hears, so a guesser learns nothing about the account."""
    username = username.strip()
    with rt.db.read() as s:
        account = _find_account(s, username)
    counted = [(throttle.SIGN_IN_PER_ACCOUNT, _attempts_key(account, username)),
               (throttle.SIGN_IN_PER_ADDRESS, f"signin:address:{address[:80]}")]
    throttle.check_each(rt, counted)
    if not _password_matches(rt, account, password):
        throttle.failed_each(rt, counted)
        return None
    if _disabled(account):
        raise DomainError(ErrorCode.ACCOUNT_DISABLED)
    throttle.clear(rt, counted[0][1])
    return _principal_of(account)


def sign_in_with_api_key(rt: Runtime, key: str, address: str) -> Principal | None:
    """authenticate_api_key behind the attempt counters (TOO_MANY_ATTEMPTS over a limit).

    Wrong keys count per key prefix (one key guessed from anywhere) and per address (many keys guessed
    from one place). A prefix over its limit opens nothing, not even with its right secret: that is what
    stops guessing a key. An address over its limit still lets a key that works through, so partners
    behind one shared address do not lock each other out; every other key from it is refused, and still
    counted against its prefix."""
    parts = split_api_key(key)
    address_key = f"apikey:address:{address[:80]}"
    counted = [(throttle.API_KEY_PER_ADDRESS, address_key)]
    if parts is not None:
        counted.append((throttle.API_KEY_PER_PREFIX, f"apikey:prefix:{parts[0][:40]}"))
    with rt.db.read_now() as connection:  # the counters, then the key: two statements, no transaction
        refusals = throttle.refusals_in(connection, rt, counted)
        found = None if set(refusals) - {address_key} else _live_key_in(connection, rt, key)
    if found is not None:
        return _partner(found)
    still_counting = [(limit, counter) for limit, counter in counted if counter not in refusals]
    if still_counting:  # a counter already at its limit stays as it is
        throttle.failed_each(rt, still_counting)
    throttle.refuse(refusals)
    return None


def record_sign_in(rt: Runtime, actor: Actor) -> None:
    rt.db.write(lambda s: audit.record(s, actor, "auth.sign_in", at=rt.clock.now(),
                                       subject_person_id=actor.principal.id if actor.principal.is_household else None))


def _replace_password(s: Session, account: Account, password_hash: str) -> None:
    account.password_hash = password_hash
    s.add(account)
    sessions.end_all(s, account.id)


def _audit_subject(account: Account) -> dict:
    if isinstance(account, StaffUser):
        return {"staff_id": account.id}
    return {"subject_person_id": account.id}


def change_password(rt: Runtime, actor: Actor, current: str, new: str) -> None:
    """A signed-in member or staff user replaces their own password; every session and token of
    theirs ends (the caller starts a fresh one for the browser that made the change)."""
    principal = actor.principal
    model = StaffUser if principal.is_staff else Person
    if not (principal.is_staff or principal.is_household) or principal.id is None:
        raise DomainError(ErrorCode.NOT_ALLOWED)
    with rt.db.read() as s:
        account = s.get(model, principal.id)
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    # Guessing the current password from a stolen session counts like guessing at sign-in.
    counted = [(throttle.SIGN_IN_PER_ACCOUNT, _attempts_key(account, ""))]
    throttle.check_each(rt, counted)
    if _verify(rt, account, current) is None:
        throttle.failed_each(rt, counted)
        raise DomainError(ErrorCode.PASSWORD_INCORRECT, field="currentPassword")
    check_password_length(new)
    verified_hash, new_hash, now = account.password_hash, hash_password(rt.settings, new), rt.clock.now()

    def work(s: Session) -> None:
        row = s.get(model, principal.id, with_for_update=True)
        if row.password_hash != verified_hash:  # changed meanwhile: the password typed is no longer current
            raise DomainError(ErrorCode.PASSWORD_INCORRECT, field="currentPassword")
        _replace_password(s, row, new_hash)
        audit.record(s, actor, "auth.password_change", at=now, **_audit_subject(row))

    rt.db.write(work)


def set_password(rt: Runtime, actor: Actor, username: str, new: str) -> None:
    """An operator sets someone's password (staff username, ID number or phone): their sessions and
    tokens end, and their sign-in lockout is lifted."""
    check_password_length(new)
    new_hash, now = hash_password(rt.settings, new), rt.clock.now()

    def work(s: Session) -> Account:
        account = _find_account(s, username.strip())
        if account is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="username")
        _replace_password(s, account, new_hash)
        audit.record(s, actor, "auth.password_set", at=now, **_audit_subject(account))
        return account

    account = rt.db.write(work)
    throttle.clear(rt, _attempts_key(account, ""))


def _live_key_select():
    k, i = ApiKey.__table__, Institution.__table__
    return (select(k.c.id, k.c.secret_sha256, i.c.id.label("institution_id"), i.c.name, i.c.kind)
            .join(i, i.c.id == k.c.institution_id)
            .where(k.c.prefix == bindparam("prefix"), live_key(bindparam("now", type_=DateTime(timezone=True))),
                   i.c.disabled_at.is_(None)))


LIVE_KEY = _live_key_select()  # built once: every partner request runs it


def _live_key_in(connection: Connection, rt: Runtime, key: str):
    """The key's row (id, secret_sha256, institution_id, name, kind) while the key works: not revoked, not
    past a rotation's grace, its institution not disabled (`api_keys.live_key`), and the secret matches."""
    parts = split_api_key(key)
    if parts is None:
        return None
    prefix, secret = parts
    row = connection.execute(LIVE_KEY, {"prefix": prefix, "now": rt.clock.now()}).first()
    if row is None or not api_secret_matches(secret, row.secret_sha256):
        return None
    return row


def _live_key(rt: Runtime, key: str):
    with rt.db.read_now() as connection:
        return _live_key_in(connection, rt, key)


def _partner(found) -> Principal:
    return Principal(PrincipalKind.PARTNER, found.institution_id, found.name, found.kind)


def authenticate_api_key(rt: Runtime, key: str) -> Principal | None:
    found = _live_key(rt, key)
    return None if found is None else _partner(found)


def api_key_id(rt: Runtime, key: str) -> uuid.UUID | None:
    """The id of a working key, for a sandbox session that ends with it."""
    found = _live_key(rt, key)
    return found.id if found else None
