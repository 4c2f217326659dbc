"""What the family package reads: relationships and households, each person's relationships and
households, each household's members, the claims waiting for a clerk; how the viewer's rows prime them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from backend.graph.core.loaders import Batched, by_id
from backend.graph.core.pagination import oldest_first_after
from backend.storage.models import Household, HouseholdMember, Relationship


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


def pending_claims(s: Session, after: tuple[datetime, uuid.UUID] | None,
                   limit: int) -> tuple[list[Relationship], int, bool]:
    """Claimed relationships waiting for a clerk, oldest first (keyset: after the (claimedAt, id) of the last one
    shown, so claims decided meanwhile shift nothing); how many wait, and whether more follow."""
    condition = Relationship.status == "claimed"
    total = s.exec(select(func.count()).select_from(Relationship).where(condition)).one()
    keyed = oldest_first_after(Relationship.claimed_at, Relationship.id, after)
    rows = s.exec(select(Relationship).where(condition, *([] if keyed is None else [keyed]))
                  .order_by(Relationship.claimed_at, Relationship.id).limit(limit + 1)).all()
    return list(rows[:limit]), total, len(rows) > limit


LOADERS = {
    "household": Batched(by_id(Household)),
    "relationship": Batched(by_id(Relationship)),
    "relationships_of": Batched(relationships_of, default=list),
    "households_of": Batched(households_of, default=list),
    "members_of": Batched(members_of, default=list),
}


def prime(loaders, rows) -> None:
    me = rows.person.id
    loaders.relationships_of.prime(me, rows.relationships)
    loaders.households_of.prime(me, rows.households)
    for household in rows.households:
        loaders.household.prime(household.id, household)
        loaders.members_of.prime(household.id, rows.members.get(household.id, []))
