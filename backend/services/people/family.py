"""Relationships (R1) and households: claiming, verifying, grouping."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func
from sqlmodel import Session, select

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import parse_id_number
from backend.domain.kinship import check_claim, parse_kinship
from backend.domain.relationships import RelationshipStatus, VerificationMethod
from backend.domain.text import PERSON_NAME_MAX, clean_name
from backend.policy import is_clerk_or_admin
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.platform import audit, throttle
from backend.storage.models import Household, HouseholdMember, Person, Relationship

HOUSEHOLD_NAME_MAX = 40


def pair_key(a: uuid.UUID, b: uuid.UUID) -> str:
    return ":".join(sorted((a.hex, b.hex)))


def claim_relationship(rt: Runtime, actor: Actor, *, id_number: str, name: str, kind: str) -> Relationship:
    """The claimant says the person with this ID number and name is their <kind>."""
    claimant_id = actor.principal.id
    kinship = parse_kinship(kind)
    number = parse_id_number(id_number, today=rt.clock.now().date()).value
    name = clean_name(name, max_length=PERSON_NAME_MAX)
    now = rt.clock.now()

    def work(s: Session) -> Relationship:
        relative = s.exec(select(Person).where(Person.id_number == number)).first()
        # One answer for "no such number" and "wrong name", so the form cannot probe who is insured.
        if relative is None or relative.name != name:
            raise DomainError(ErrorCode.PERSON_NOT_FOUND, field="idNumber")
        claimant = s.get(Person, claimant_id)
        check_claim(kinship, relative.birth_date, claimant.birth_date, same_person=relative.id == claimant.id)
        key = pair_key(relative.id, claimant.id)
        row = s.exec(select(Relationship).where(Relationship.pair_key == key)).first()
        if row is not None and row.status != RelationshipStatus.REJECTED:
            raise DomainError(ErrorCode.RELATIONSHIP_EXISTS, field="idNumber")
        if row is None:
            row = Relationship(pair_key=key, person_id=relative.id, relative_id=claimant.id,
                               kind=kinship.value, status=RelationshipStatus.CLAIMED,
                               claimed_by=claimant.id, claimed_at=now)
        else:  # a fresh claim over an earlier rejection
            row.sqlmodel_update(dict(person_id=relative.id, relative_id=claimant.id, kind=kinship.value,
                                     status=RelationshipStatus.CLAIMED, claimed_by=claimant.id, claimed_at=now,
                                     decided_by=None, decided_via=None, decided_at=None, rejection_reason=None))
        s.add(row)
        s.flush()
        audit.record(s, actor, "relationship.claim", at=now, subject_person_id=relative.id,
                     relationship_id=row.id, kind=kinship.value)
        return row

    # Name-and-number misses are counted, so the form cannot be used to sweep for who is insured.
    misses = f"claim:{claimant_id}"
    throttle.check(rt, throttle.CLAIM_MISSES_PER_PERSON, misses)
    try:
        return rt.db.write(work)
    except DomainError as error:
        if error.code is ErrorCode.PERSON_NOT_FOUND:
            throttle.failed(rt, throttle.CLAIM_MISSES_PER_PERSON, misses)
        raise


def withdraw_claim(rt: Runtime, actor: Actor, relationship_id: uuid.UUID) -> uuid.UUID:
    """The claimant takes back a claim no clerk has decided yet; the record goes, the audit stays."""
    now = rt.clock.now()

    def work(s: Session) -> uuid.UUID:
        row = s.get(Relationship, relationship_id, with_for_update=True)
        if row is None or row.claimed_by != actor.principal.id:
            raise DomainError(ErrorCode.NOT_FOUND, field="relationshipId")
        if row.status != RelationshipStatus.CLAIMED:
            raise DomainError(ErrorCode.RELATIONSHIP_NOT_CLAIMED, field="relationshipId")
        other = row.person_id if row.relative_id == actor.principal.id else row.relative_id
        s.delete(row)
        audit.record(s, actor, "relationship.withdraw", at=now, subject_person_id=other, relationship_id=row.id,
                     kind=row.kind)
        return row.id

    return rt.db.write(work)


def _require_clerk(actor: Actor) -> None:
    if not is_clerk_or_admin(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)


def _decide(rt: Runtime, actor: Actor, relationship_id: uuid.UUID, status: RelationshipStatus,
            via: str, reason: str | None) -> Relationship:
    _require_clerk(actor)
    now = rt.clock.now()

    def work(s: Session) -> Relationship:
        row = s.get(Relationship, relationship_id, with_for_update=True)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="relationshipId")
        if row.status != RelationshipStatus.CLAIMED:
            raise DomainError(ErrorCode.RELATIONSHIP_NOT_CLAIMED, field="relationshipId")
        row.sqlmodel_update(dict(status=status, decided_by=actor.principal.id, decided_via=via,
                                 decided_at=now, rejection_reason=reason))
        s.add(row)
        for subject in (row.person_id, row.relative_id):
            audit.record(s, actor, f"relationship.{'verify' if status == RelationshipStatus.VERIFIED else 'reject'}",
                         at=now, subject_person_id=subject, relationship_id=row.id, via=via)
        return row

    return rt.db.write(work)


def verify_relationship(rt: Runtime, actor: Actor, relationship_id: uuid.UUID, method: str) -> Relationship:
    try:
        via = VerificationMethod(method)
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, field="method") from None
    return _decide(rt, actor, relationship_id, RelationshipStatus.VERIFIED, via.value, None)


def reject_relationship(rt: Runtime, actor: Actor, relationship_id: uuid.UUID, reason: str) -> Relationship:
    reason = reason.strip()
    if not reason:
        raise DomainError(ErrorCode.REASON_REQUIRED, field="reason")
    return _decide(rt, actor, relationship_id, RelationshipStatus.REJECTED, "staff", reason[:200])


# Households ---------------------------------------------------------------------------------------

def _household_name(raw: str) -> str:
    return clean_name(raw, max_length=HOUSEHOLD_NAME_MAX)


def _require_member(s: Session, household_id: uuid.UUID, person_id: uuid.UUID | None) -> Household:
    household = s.get(Household, household_id)
    if household is None or person_id is None or s.get(HouseholdMember, (household_id, person_id)) is None:
        # Outsiders learn nothing about whether the household exists.
        raise DomainError(ErrorCode.NOT_FOUND, field="householdId")
    return household


def relationship_statuses(s: Session, person_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """Everyone this person has a relationship record with, and its status."""
    rows = s.exec(
        select(Relationship.person_id, Relationship.relative_id, Relationship.status).where(
            (Relationship.person_id == person_id) | (Relationship.relative_id == person_id))
    ).all()
    return {a if b == person_id else b: status for a, b, status in rows}


def related_ids(s: Session, person_id: uuid.UUID) -> set[uuid.UUID]:
    """People with a claimed or verified relationship to this person."""
    return {other for other, status in relationship_statuses(s, person_id).items()
            if status != RelationshipStatus.REJECTED}


def create_household(rt: Runtime, actor: Actor, name: str) -> Household:
    name = _household_name(name)
    now = rt.clock.now()

    def work(s: Session) -> Household:
        household = Household(name=name, created_by=actor.principal.id, created_at=now)
        s.add(household)
        s.flush()
        s.add(HouseholdMember(household_id=household.id, person_id=actor.principal.id,
                              added_by=actor.principal.id, added_at=now))
        audit.record(s, actor, "household.create", at=now, subject_person_id=actor.principal.id,
                     household_id=household.id)
        return household

    return rt.db.write(work)


def rename_household(rt: Runtime, actor: Actor, household_id: uuid.UUID, name: str) -> Household:
    name = _household_name(name)
    now = rt.clock.now()

    def work(s: Session) -> Household:
        household = _require_member(s, household_id, actor.principal.id)
        old = household.name
        household.name = name
        s.add(household)
        audit.record(s, actor, "household.rename", at=now, household_id=household.id, old=old, new=name)
        return household

    return rt.db.write(work)


def add_household_member(rt: Runtime, actor: Actor, household_id: uuid.UUID, person_id: uuid.UUID) -> Household:
    now = rt.clock.now()

    def work(s: Session) -> Household:
        household = _require_member(s, household_id, actor.principal.id)
        # Verified only: a household makes its members family to each other, so a bare claim is not enough.
        if relationship_statuses(s, actor.principal.id).get(person_id) != RelationshipStatus.VERIFIED:
            raise DomainError(ErrorCode.NOT_FAMILY, field="personId")
        if s.get(HouseholdMember, (household_id, person_id)) is not None:
            raise DomainError(ErrorCode.ALREADY_MEMBER, field="personId")
        s.add(HouseholdMember(household_id=household_id, person_id=person_id,
                              added_by=actor.principal.id, added_at=now))
        audit.record(s, actor, "household.member_add", at=now, subject_person_id=person_id,
                     household_id=household_id)
        return household

    return rt.db.write(work)


def remove_household_member(rt: Runtime, actor: Actor, household_id: uuid.UUID, person_id: uuid.UUID) -> Household:
    """Any member may remove any member (the family manages it together); the last one out ends it."""
    now = rt.clock.now()

    def work(s: Session) -> Household:
        household = _require_member(s, household_id, actor.principal.id)
        membership = s.get(HouseholdMember, (household_id, person_id))
        if membership is None:
            raise DomainError(ErrorCode.NOT_MEMBER, field="personId")
        s.delete(membership)
        s.flush()
        audit.record(s, actor, "household.member_remove", at=now, subject_person_id=person_id,
                     household_id=household_id)
        remaining = s.exec(select(func.count()).select_from(HouseholdMember)
                           .where(HouseholdMember.household_id == household_id)).one()
        if remaining == 0:
            s.exec(delete(Household).where(Household.id == household_id))
        return household

    return rt.db.write(work)
