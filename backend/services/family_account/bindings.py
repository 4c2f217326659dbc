"""Family accounts (亲情账户): e-voucher activation and consented bindings (R9)."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlmodel import Session, select

from backend.domain.bindings import (
    LIVE,
    BindingStatus,
    ConsentMethod,
    check_guardian,
    check_request,
    guardian_decides,
    is_minor,
)
from backend.domain.codes import CodeStatus
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.kinship import Kinship, kind_of_other
from backend.domain.relationships import RelationshipStatus
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.people.family import pair_key, related_ids
from backend.services.platform import audit
from backend.services.region.limits import LimitName, limit_for
from backend.storage.models import Binding, Enrolment, EVoucher, Person, PresentedCode, Relationship


def activate_voucher(rt: Runtime, actor: Actor, person_id: uuid.UUID | None = None) -> EVoucher:
    """A person activates their own medical e-voucher (医保电子凭证), or a guardian (a verified parent)
    a minor child's."""
    me = actor.principal.id
    person_id = person_id or me
    by_guardian = person_id != me
    now = rt.clock.now()

    def work(s: Session) -> EVoucher:
        if by_guardian:
            child = s.get(Person, person_id)
            check_guardian(subject_minor=child is not None and is_minor(child.birth_date, now.date()),
                           actor_is_verified_parent=child is not None and _is_verified_parent(s, me, person_id))
        if s.get(EVoucher, person_id) is not None:
            raise DomainError(ErrorCode.VOUCHER_ALREADY_ACTIVATED, field="personId" if by_guardian else None)
        voucher = EVoucher(person_id=person_id, activated_at=now)
        s.add(voucher)
        audit.record(s, actor, "voucher.activate", at=now, subject_person_id=person_id, by_guardian=by_guardian)
        return voucher

    return rt.db.write(work)


def _is_verified_parent(s: Session, parent_id: uuid.UUID, child_id: uuid.UUID) -> bool:
    row = s.exec(select(Relationship).where(Relationship.pair_key == pair_key(parent_id, child_id))).first()
    if row is None or row.status != RelationshipStatus.VERIFIED:
        return False
    other_is_stored = row.person_id == parent_id
    return kind_of_other(Kinship(row.kind), other_is_stored_person=other_is_stored) is Kinship.PARENT


def request_binding(rt: Runtime, actor: Actor, subject_id: uuid.UUID) -> Binding:
    """The holder asks to show the subject's code: pending an adult's consent, at once for a guardian."""
    holder_id = actor.principal.id
    now = rt.clock.now()

    def work(s: Session) -> Binding:
        holder = s.get(Person, holder_id, with_for_update=True)  # serialises this holder's requests (cap)
        subject = s.get(Person, subject_id)
        if subject is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="subjectId")
        status = check_request(
            holder_is_subject=holder_id == subject_id,
            subject_voucher_active=s.get(EVoucher, subject_id) is not None,
            related=subject_id in related_ids(s, holder_id),
            subject_minor=is_minor(subject.birth_date, now.date()),
            holder_is_verified_parent=_is_verified_parent(s, holder_id, subject_id),
        )
        live = s.exec(select(Binding).where(Binding.holder_id == holder_id, Binding.status.in_(LIVE))).all()
        if any(b.subject_id == subject_id for b in live):
            raise DomainError(ErrorCode.BINDING_EXISTS, field="subjectId")
        enrolment = s.get(Enrolment, holder.id)
        cap = limit_for(s, LimitName.BINDINGS_PER_HOLDER, enrolment.region_code if enrolment else "")
        if cap is not None and len(live) >= cap:
            raise DomainError(ErrorCode.BINDING_LIMIT, field="subjectId", limit=cap)
        binding = Binding(holder_id=holder_id, subject_id=subject_id, status=status, requested_at=now)
        if status is BindingStatus.ACTIVE:
            binding.consent_via, binding.decided_at = ConsentMethod.GUARDIAN.value, now
        s.add(binding)
        s.flush()
        audit.record(s, actor, "binding.request", at=now, subject_person_id=subject_id, binding_id=binding.id,
                     status=status.value)
        if status is BindingStatus.ACTIVE:
            audit.record(s, actor, "binding.bind", at=now, subject_person_id=subject_id, binding_id=binding.id,
                         consent=ConsentMethod.GUARDIAN.value)
        return binding

    return rt.db.write(work)


def _locked(s: Session, binding_id: uuid.UUID) -> Binding:
    binding = s.get(Binding, binding_id, with_for_update=True)
    if binding is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="bindingId")
    return binding


def approve_binding(rt: Runtime, actor: Actor, binding_id: uuid.UUID, evidence: str | None = None) -> Binding:
    now = rt.clock.now()

    def work(s: Session) -> Binding:
        binding = _locked(s, binding_id)
        if actor.principal.is_household and actor.principal.id not in (binding.holder_id, binding.subject_id):
            raise DomainError(ErrorCode.NOT_FOUND, field="bindingId")
        if binding.status != BindingStatus.PENDING:
            raise DomainError(ErrorCode.BINDING_NOT_PENDING, field="bindingId")
        method = rt.consent.verify(binding, actor, evidence)
        binding.sqlmodel_update(dict(status=BindingStatus.ACTIVE.value, consent_via=method.value, decided_at=now))
        s.add(binding)
        audit.record(s, actor, "binding.bind", at=now, subject_person_id=binding.subject_id, binding_id=binding.id,
                     holder_id=binding.holder_id, consent=method.value)
        return binding

    return rt.db.write(work)


def decline_binding(rt: Runtime, actor: Actor, binding_id: uuid.UUID) -> Binding:
    now = rt.clock.now()

    def work(s: Session) -> Binding:
        binding = _locked(s, binding_id)
        if actor.principal.id != binding.subject_id:
            raise DomainError(ErrorCode.NOT_FOUND, field="bindingId")
        if binding.status != BindingStatus.PENDING:
            raise DomainError(ErrorCode.BINDING_NOT_PENDING, field="bindingId")
        binding.sqlmodel_update(dict(status=BindingStatus.DECLINED.value, decided_at=now))
        s.add(binding)
        audit.record(s, actor, "binding.decline", at=now, subject_person_id=binding.subject_id, binding_id=binding.id)
        return binding

    return rt.db.write(work)


def end_binding(rt: Runtime, actor: Actor, binding_id: uuid.UUID) -> Binding:
    """Either side ends a binding (or withdraws a request); its live codes die in the same transaction."""
    now = rt.clock.now()

    def work(s: Session) -> Binding:
        binding = _locked(s, binding_id)
        if actor.principal.id not in (binding.holder_id, binding.subject_id):
            raise DomainError(ErrorCode.NOT_FOUND, field="bindingId")
        if binding.status not in LIVE:
            raise DomainError(ErrorCode.BINDING_ENDED, field="bindingId")
        binding.sqlmodel_update(dict(status=BindingStatus.ENDED.value, ended_at=now, ended_by=actor.principal.id))
        s.add(binding)
        s.exec(update(PresentedCode)
               .where(PresentedCode.binding_id == binding.id, PresentedCode.status == CodeStatus.LIVE.value)
               .values(status=CodeStatus.REVOKED.value))
        audit.record(s, actor, "binding.unbind", at=now, subject_person_id=binding.subject_id, binding_id=binding.id,
                     holder_id=binding.holder_id)
        return binding

    return rt.db.write(work)


def set_binding_scopes(rt: Runtime, actor: Actor, binding_id: uuid.UUID, *, view_insurance: bool,
                       view_account: bool) -> Binding:
    """The bound person decides what the holder sees; for a minor, the guardian who holds it decides
    (until the child comes of age)."""
    now = rt.clock.now()

    def work(s: Session) -> Binding:
        binding = _locked(s, binding_id)
        subject = s.get(Person, binding.subject_id)
        decider = (binding.holder_id if guardian_decides(binding.consent_via, subject.birth_date, now.date())
                   else binding.subject_id)
        if actor.principal.id not in (binding.holder_id, binding.subject_id):
            raise DomainError(ErrorCode.NOT_FOUND, field="bindingId")
        if actor.principal.id != decider:
            raise DomainError(ErrorCode.NOT_ALLOWED, field="bindingId")
        if binding.status not in LIVE:
            raise DomainError(ErrorCode.BINDING_ENDED, field="bindingId")
        old = {"view_insurance": binding.view_insurance, "view_account": binding.view_account}
        binding.sqlmodel_update(dict(view_insurance=view_insurance, view_account=view_account))
        s.add(binding)
        audit.record(s, actor, "binding.scopes", at=now, subject_person_id=binding.subject_id, binding_id=binding.id,
                     old=old, new={"view_insurance": view_insurance, "view_account": view_account})
        return binding

    return rt.db.write(work)

