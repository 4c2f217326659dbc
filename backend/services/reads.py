"""Batched reads for the graph's DataLoaders: each takes many keys and runs one query."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func, or_
from sqlmodel import Session, select

from backend.services.family import related_ids
from backend.storage.models import (
    Enrolment,
    Household,
    HouseholdMember,
    Institution,
    Person,
    PersonalAccount,
    Relationship,
    StaffUser,
)


def by_ids(s: Session, model, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, object]:
    rows = s.exec(select(model).where(model.id.in_(ids))).all() if ids else []
    return {row.id: row for row in rows}


def enrolments(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Enrolment]:
    rows = s.exec(select(Enrolment).where(Enrolment.person_id.in_(person_ids))).all()
    return {row.person_id: row for row in rows}


def accounts(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PersonalAccount]:
    rows = s.exec(select(PersonalAccount).where(PersonalAccount.person_id.in_(person_ids))).all()
    return {row.person_id: row for row in rows}


def relationships_of(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Relationship]]:
    wanted = set(person_ids)
    rows = s.exec(
        select(Relationship)
        .where(or_(Relationship.person_id.in_(wanted), Relationship.relative_id.in_(wanted)))
        .order_by(Relationship.claimed_at, Relationship.id)
    ).all()
    out: dict[uuid.UUID, list[Relationship]] = defaultdict(list)
    for row in rows:
        for side in (row.person_id, row.relative_id):
            if side in wanted:
                out[side].append(row)
    return out


def households_of(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Household]]:
    rows = s.exec(
        select(HouseholdMember.person_id, Household)
        .join(Household, Household.id == HouseholdMember.household_id)
        .where(HouseholdMember.person_id.in_(person_ids))
        .order_by(Household.created_at, Household.id)
    ).all()
    out: dict[uuid.UUID, list[Household]] = defaultdict(list)
    for person_id, household in rows:
        out[person_id].append(household)
    return out


def members_of(s: Session, household_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    rows = s.exec(
        select(HouseholdMember.household_id, HouseholdMember.person_id)
        .where(HouseholdMember.household_id.in_(household_ids))
        .order_by(HouseholdMember.added_at, HouseholdMember.person_id)
    ).all()
    out: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for household_id, person_id in rows:
        out[household_id].append(person_id)
    return out


def viewer_scope(s: Session, person_id: uuid.UUID) -> tuple[frozenset[uuid.UUID], frozenset[uuid.UUID]]:
    """(family, households) of a household member: whom they may see, which groups they are in."""
    family = related_ids(s, person_id)
    household_ids = set(s.exec(select(HouseholdMember.household_id).where(HouseholdMember.person_id == person_id)).all())
    if household_ids:
        family.update(s.exec(select(HouseholdMember.person_id)
                             .where(HouseholdMember.household_id.in_(household_ids))).all())
    family.discard(person_id)
    return frozenset(family), frozenset(household_ids)


def search_people(s: Session, text: str, offset: int, limit: int) -> tuple[list[Person], int]:
    """Staff search: an exact ID number or phone, or the start of a name."""
    text = text.strip()
    condition = or_(Person.id_number == text.upper(), Person.phone == text, Person.name.startswith(text))
    total = s.exec(select(func.count()).select_from(Person).where(condition)).one()
    rows = s.exec(select(Person).where(condition).order_by(Person.name, Person.id).offset(offset).limit(limit)).all()
    return list(rows), total


MODELS = {"Person": Person, "Household": Household, "Relationship": Relationship,
          "Institution": Institution, "StaffUser": StaffUser}


def pending_claims(s: Session, offset: int, limit: int) -> tuple[list[Relationship], int]:
    """Claimed relationships waiting for a clerk, oldest first."""
    condition = Relationship.status == "claimed"
    total = s.exec(select(func.count()).select_from(Relationship).where(condition)).one()
    rows = s.exec(select(Relationship).where(condition)
                  .order_by(Relationship.claimed_at, Relationship.id).offset(offset).limit(limit)).all()
    return list(rows), total
