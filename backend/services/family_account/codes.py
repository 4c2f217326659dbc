"""Presented codes (R10, R11): issue for (subject, presenter), resolve for partners, consume once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, and_, bindparam, delete, update
from sqlmodel import Session, select

from backend.domain.bindings import BindingStatus
from backend.domain.codes import CodeStatus, code_digest, is_authentic, make_code
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.kinship import Kinship, kind_of_other
from backend.domain.relationships import RelationshipStatus
from backend.observability import metrics
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.money.grants import choice_to_json, validated_choice
from backend.services.people.family import pair_key
from backend.services.platform import audit
from backend.storage.models import Binding, Enrolment, EVoucher, Person, PresentedCode, Relationship


@dataclass(frozen=True)
class NewCode:
    text: str
    expires_at: datetime
    subject: Person
    presenter: Person
    binding_id: uuid.UUID | None


@dataclass(frozen=True)
class ResolvedCode:
    code: PresentedCode
    subject: Person
    enrolment: Enrolment | None
    presenter: Person
    presenter_is: Kinship | None  # what the presenter is to the subject, when a holder presented it


def issue_code(rt: Runtime, actor: Actor, subject_id: uuid.UUID, *, pools: list[str] | None = None,
               cash_only: bool = False) -> NewCode:
    """A fresh code for the subject, shown on the presenter's phone.

    Earlier codes stay valid until they expire, so a code scanned just before the page refreshed
    still settles; each is single-use either way.

    `pools` (with `cash_only`) overrides the subject's payer order for this code alone (R8).
    """
    presenter_id = actor.principal.id
    now = rt.clock.now()
    text = make_code(rt.code_key, rt.tokens.token_bytes(16))
    expires_at = now + timedelta(seconds=rt.settings.code_ttl_seconds)

    def work(s: Session) -> NewCode:
        subject, presenter, binding_id = _issuing(s, subject_id, presenter_id)
        override = None
        if pools is not None or cash_only:
            override = choice_to_json(validated_choice(s, subject_id, pools or [], cash_only))
        row = PresentedCode(code_sha256=code_digest(text), subject_id=subject_id, presenter_id=presenter_id,
                            binding_id=binding_id, status=CodeStatus.LIVE.value,
                            issued_at=now, expires_at=expires_at, payer_order=override)
        s.add(row)
        s.flush()
        audit.record(s, actor, "code.issue", at=now, subject_person_id=subject_id, code_id=row.id,
                     binding_id=binding_id)
        return NewCode(text=text, expires_at=expires_at, subject=subject, presenter=presenter, binding_id=binding_id)

    issued = rt.db.write(work)
    metrics.code_issued()
    return issued


def _issuing(s: Session, subject_id: uuid.UUID,
             presenter_id: uuid.UUID) -> tuple[Person, Person, uuid.UUID | None]:
    """Who a code is for and who shows it, and the presenter's active binding to the subject, in one
    statement; refused unless the subject's e-voucher is activated and (for a relative) the binding is live."""
    found = s.exec(
        select(Person, EVoucher.person_id, Binding.id).select_from(Person)
        .outerjoin(EVoucher, EVoucher.person_id == Person.id)
        .outerjoin(Binding, and_(Binding.subject_id == Person.id, Binding.holder_id == presenter_id,
                                 Binding.status == BindingStatus.ACTIVE.value))
        .where(Person.id.in_({subject_id, presenter_id}))).all()
    people = {person.id: (person, activated, binding_id) for person, activated, binding_id in found}
    subject, activated, binding_id = people.get(subject_id, (None, None, None))
    if subject_id != presenter_id and binding_id is None:
        raise DomainError(ErrorCode.NO_BINDING, field="subjectId")
    if activated is None:
        raise DomainError(ErrorCode.VOUCHER_NOT_ACTIVATED, field="subjectId")
    return subject, people[presenter_id][0], binding_id


def live_code(s: Session, rt: Runtime, text: str, *, lock: bool) -> PresentedCode:
    """The code's row if it can still be used now, or the typed reason it cannot."""
    if not is_authentic(rt.code_key, text):
        raise DomainError(ErrorCode.CODE_FORGED, field="code")
    query = select(PresentedCode).where(PresentedCode.code_sha256 == code_digest(text))
    row = s.exec(query.with_for_update() if lock else query).first()
    if row is None:
        raise DomainError(ErrorCode.CODE_UNKNOWN, field="code")
    if row.status == CodeStatus.USED:
        raise DomainError(ErrorCode.CODE_USED, field="code")
    if row.status == CodeStatus.REVOKED:
        raise DomainError(ErrorCode.CODE_BINDING_ENDED, field="code")
    if rt.clock.now() >= row.expires_at:
        raise DomainError(ErrorCode.CODE_EXPIRED, field="code")
    if row.binding_id is not None:
        binding = s.get(Binding, row.binding_id)
        if binding is None or binding.status != BindingStatus.ACTIVE:
            raise DomainError(ErrorCode.CODE_BINDING_ENDED, field="code")
    return row


def _presenter_is(s: Session, presenter_id: uuid.UUID, subject_id: uuid.UUID) -> Kinship | None:
    row = s.exec(select(Relationship).where(Relationship.pair_key == pair_key(presenter_id, subject_id),
                                            Relationship.status != RelationshipStatus.REJECTED)).first()
    if row is None:
        return None
    return kind_of_other(Kinship(row.kind), other_is_stored_person=row.person_id == presenter_id)


def resolve_code(rt: Runtime, actor: Actor, text: str) -> ResolvedCode:
    """What a partner learns from a scanned code. Resolving does not consume it; settling does."""
    now = rt.clock.now()

    def work(s: Session) -> ResolvedCode:
        row = live_code(s, rt, text, lock=False)
        audit.record(s, actor, "code.resolve", at=now, subject_person_id=row.subject_id, code_id=row.id,
                     presenter_id=row.presenter_id)
        return ResolvedCode(
            code=row, subject=s.get(Person, row.subject_id), enrolment=s.get(Enrolment, row.subject_id),
            presenter=s.get(Person, row.presenter_id),
            presenter_is=None if row.presenter_id == row.subject_id else _presenter_is(s, row.presenter_id,
                                                                                       row.subject_id))

    try:
        resolved = rt.db.write(work)
    except DomainError as refused:
        metrics.code_resolved(refused.code.value)
        raise
    metrics.code_resolved("ok")
    return resolved


def consume_code(s: Session, rt: Runtime, actor: Actor, text: str):
    """Inside the caller's transaction: take the code (see `take_code`), check its binding, audit it."""
    row = take_code(s, rt, text)
    binding = s.get(Binding, row.binding_id) if row.binding_id is not None else None
    require_live_binding(row.binding_id, binding.status if binding else None)
    audit.record(s, actor, "code.consume", at=row.used_at, subject_person_id=row.subject_id, code_id=row.id)
    return row


def _take_code_update():
    c = PresentedCode.__table__.c
    at = bindparam("at", type_=DateTime(timezone=True))
    return (update(PresentedCode.__table__)
            .where(c.code_sha256 == bindparam("digest"), c.status == CodeStatus.LIVE.value, c.expires_at > at)
            .values(status=CodeStatus.USED.value, used_at=at)
            .returning(c.id, c.subject_id, c.presenter_id, c.binding_id, c.payer_order, c.status, c.used_at))


TAKE_CODE = _take_code_update()  # built once: a settlement's first statement after its key


def take_code(s: Session, rt: Runtime, text: str):
    """Inside the caller's transaction (a settlement): mark the code used if it is live, in one
    `UPDATE … RETURNING` (which also locks it); otherwise the typed reason it cannot be used.

    The caller still checks the code's binding (`require_live_binding`) and writes the audit event:
    a settlement reads the binding's status with its other rows and writes its events together.
    """
    if not is_authentic(rt.code_key, text):
        raise DomainError(ErrorCode.CODE_FORGED, field="code")
    row = s.connection().execute(TAKE_CODE, {"digest": code_digest(text), "at": rt.clock.now()}).first()
    if row is None:
        live_code(s, rt, text, lock=True)  # raises the reason
        raise DomainError(ErrorCode.CODE_USED, field="code")  # a concurrent settlement took it meanwhile
    return row


def require_live_binding(binding_id: uuid.UUID | None, binding_status: str | None) -> None:
    """A code shown through a binding dies with it (R10)."""
    if binding_id is not None and binding_status != BindingStatus.ACTIVE:
        raise DomainError(ErrorCode.CODE_BINDING_ENDED, field="code")


def prune_expired(rt: Runtime, actor: Actor, older_than: timedelta) -> int:
    """Delete codes that expired unused more than `older_than` ago (used ones stay: settlements cite them)."""
    now = rt.clock.now()

    def work(s: Session) -> int:
        removed = s.exec(delete(PresentedCode).where(PresentedCode.status != CodeStatus.USED.value,
                                                     PresentedCode.expires_at < now - older_than)).rowcount
        audit.record(s, actor, "code.prune", at=now, removed=removed, older_than_hours=older_than.total_seconds() / 3600)
        return removed

    return rt.db.write(work)
