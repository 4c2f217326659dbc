"""What the people package reads: persons, institutions and staff users by id, each person's enrolment
and personal account; how the viewer's rows prime them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import Session, select

from backend.graph.core.loaders import Batched, by_id
from backend.storage.models import Enrolment, Institution, Person, PersonalAccount, StaffUser


def enrolments(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Enrolment]:
    rows = s.exec(select(Enrolment).where(Enrolment.person_id.in_(person_ids))).all()
    return {row.person_id: row for row in rows}


def accounts(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PersonalAccount]:
    rows = s.exec(select(PersonalAccount).where(PersonalAccount.person_id.in_(person_ids))).all()
    return {row.person_id: row for row in rows}


LOADERS = {
    "person": Batched(by_id(Person)),
    "institution": Batched(by_id(Institution)),
    "staff": Batched(by_id(StaffUser)),
    "enrolment": Batched(enrolments),
    "account": Batched(accounts),
}


def prime(loaders, rows) -> None:
    me = rows.person.id
    for person in (rows.person, *rows.people.values()):
        loaders.person.prime(person.id, person)
    for person_id in (me, *rows.people):
        loaders.enrolment.prime(person_id, rows.enrolments.get(person_id))
    loaders.account.prime(me, rows.account)
