"""The viewer's rows: everything a household member's pages start from, in one statement, and the scope
(whom they may see) judged on them. The graph primes its DataLoaders with these rows."""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict, namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, and_, bindparam, case, cast, literal_column, null, or_, type_coerce, union_all
from sqlalchemy.types import NullType, Uuid
from sqlmodel import Session, select

from backend.domain.bindings import LIVE, BindingStatus
from backend.domain.relationships import RelationshipStatus
from backend.policy import BindingScopes
from backend.storage.models import (
    Binding,
    Enrolment,
    Grant,
    Household,
    HouseholdMember,
    Person,
    PersonalAccount,
    Relationship,
    SavedPayerOrder,
)


@dataclass(frozen=True)
class ViewerScope:
    """What a household member's reads are judged against."""

    # Verified relatives, household co-members and people whose code they may show.
    family_ids: frozenset[uuid.UUID] = frozenset()
    # Anyone with a relationship record with them, whatever its status: they see each other's name.
    known_ids: frozenset[uuid.UUID] = frozenset()
    household_ids: frozenset[uuid.UUID] = frozenset()  # households they are in
    held: Mapping[uuid.UUID, BindingScopes] = field(default_factory=dict)  # subject -> active binding's scopes


@dataclass(frozen=True)
class HeldPayer:
    account: Any  # PersonalAccount, or None
    payer_order: Any  # SavedPayerOrder, or None
    grants_received: list[Any]  # Grant, any status, oldest first


@dataclass(frozen=True)
class ViewerRows:
    """Everything a household member's pages start from, read in one statement: their own row,
    enrolment, account and saved payer order; their relationships, households (with members), live
    bindings and grants (given and received), each with the other person and that person's
    enrolment. The scope is judged on these, and the request's DataLoaders are primed
    with them, so a page rarely needs another round trip.

    The rows are named tuples with their model's attributes (`_Columns`), not ORM objects."""

    person: Any  # Person
    account: Any  # PersonalAccount, or None
    relationships: list[Any]  # Relationship
    households: list[Any]  # Household
    members: dict[uuid.UUID, list[uuid.UUID]]  # household -> person ids, in the order they were added
    bindings: list[Any]  # Binding: pending and active, either side
    people: dict[uuid.UUID, Any]  # Person: everyone above but the viewer
    enrolments: dict[uuid.UUID, Any]  # Enrolment: the viewer's and theirs
    grants: list[Any] = field(default_factory=list)  # Grant: given and received, any status
    payer_order: Any = None  # SavedPayerOrder, or None
    # Each person whose code the viewer may show: what their payer order is made of (a code shown for
    # them carries it), their saved order, account and the grants they receive (with each grantor).
    held_payers: dict[uuid.UUID, HeldPayer] = field(default_factory=dict)

    def scope(self) -> ViewerScope:
        me = self.person.id if self.person else None
        statuses = {r.person_id if r.relative_id == me else r.relative_id: r.status for r in self.relationships}
        family = {other for other, status in statuses.items() if status == RelationshipStatus.VERIFIED}
        for ids in self.members.values():
            family.update(ids)
        held = {b.subject_id: BindingScopes(b.view_insurance, b.view_account) for b in self.bindings
                if b.holder_id == me and b.status == BindingStatus.ACTIVE}
        family.update(held)
        family.discard(me)
        return ViewerScope(frozenset(family), frozenset(family | statuses.keys()), frozenset(self.members), held)


class _Columns:
    """A table's columns inside a wider select, read back as a light row (a named tuple, the same
    attributes as the model): an ORM object per row cost more than the query itself on this path.

    The columns are read raw (untyped in the statement: a union takes its result types from its first
    branch, where most slots are nulls) and each row converts only its own slots' values, with the
    converters of the columns' types: a row of the viewer's statement fills two or three of its nine
    slots, and converting every slot's nulls cost more than the rest of the read."""

    def __init__(self, table, prefix: str) -> None:
        self.columns = [type_coerce(c, NullType()).label(f"{prefix}_{c.name}") for c in table.c]
        # The same place in a union's branch that has no such row: typed in SQL, so every branch agrees.
        self.absent = [type_coerce(cast(null(), c.type), NullType()).label(f"{prefix}_{c.name}") for c in table.c]
        self.row = namedtuple(f"{table.name.capitalize()}Row", [c.name for c in table.c])
        self.at = 0  # where the slot's columns begin in a row of the statement (set with the slots, below)
        self._types = [c.type for c in table.c]
        self._converters: dict[str, list[tuple[int, Callable]]] = {}

    def _converters_for(self, dialect) -> list[tuple[int, Callable]]:
        """(place, converter) for each column whose type converts what the driver returns on `dialect`."""
        found = self._converters[dialect.name] = [
            (i, _memo(convert) if isinstance(type_, Uuid) else convert) for i, type_ in enumerate(self._types)
            if (convert := type_.dialect_impl(dialect).result_processor(dialect, None)) is not None]
        return found

    def take(self, values: tuple, dialect):
        """This table's row in a raw row of the statement; None when an outer join found none."""
        if values[self.at] is None:
            return None
        mine = list(values[self.at:self.at + len(self.columns)])
        for i, convert in self._converters.get(dialect.name) or self._converters_for(dialect):
            if mine[i] is not None:
                mine[i] = convert(mine[i])
        return self.row(*mine)


def _memo(convert: Callable) -> Callable:
    """A UUID converter that remembers (SQLite's ids are text): a viewer's rows repeat the same few ids
    (theirs in every relationship, the clerk who decided each), and parsing one costs more than a lookup."""
    return functools.lru_cache(maxsize=4096)(convert)


_PERSON, _ENROLMENT, _ACCOUNT, _ORDER = (
    _Columns(m.__table__, p) for m, p in ((Person, "p"), (Enrolment, "e"), (PersonalAccount, "a"),
                                         (SavedPayerOrder, "o")))
_RELATIONSHIP, _HOUSEHOLD, _MEMBER, _BINDING, _GRANT = (
    _Columns(m.__table__, p) for m, p in ((Relationship, "r"), (Household, "h"), (HouseholdMember, "m"),
                                         (Binding, "b"), (Grant, "g")))
# Each branch of the viewer's statement: a tag, then every slot below, its own tables' or typed nulls.
_SLOTS = (_RELATIONSHIP, _HOUSEHOLD, _MEMBER, _BINDING, _GRANT, _PERSON, _ENROLMENT, _ACCOUNT, _ORDER)
_WHO, _RELATIVE, _HOUSEHOLD_MEMBER, _PARTY, _GRANT_PARTY, _HELD, _HELD_GRANT = range(7)
_offset = 1
for _slot in _SLOTS:
    _slot.at = _offset
    _offset += len(_slot.columns)


def _branch(tag: int, *present: _Columns) -> list:
    return [literal_column(str(tag), Integer).label("tag"),
            *(c for slot in _SLOTS for c in (slot.columns if slot in present else slot.absent))]


def _viewer_statement():
    """The one statement, built once (bound to `me`): a branch per kind of row, a union of them all."""
    me = bindparam("me")
    person, enrolment, account, order = (Person.__table__, Enrolment.__table__, PersonalAccount.__table__,
                                         SavedPayerOrder.__table__)
    relationship, household, member, binding, grant = (Relationship.__table__, Household.__table__,
                                                       HouseholdMember.__table__, Binding.__table__, Grant.__table__)

    def with_person(statement, person_id):
        return statement.join(person, person.c.id == person_id).outerjoin(enrolment,
                                                                          enrolment.c.person_id == person.c.id)

    who = (select(*_branch(_WHO, _PERSON, _ENROLMENT, _ACCOUNT, _ORDER)).select_from(person)
           .outerjoin(enrolment, enrolment.c.person_id == person.c.id)
           .outerjoin(account, account.c.person_id == person.c.id)
           .outerjoin(order, order.c.person_id == person.c.id)
           .where(person.c.id == me))
    other = case((relationship.c.person_id == me, relationship.c.relative_id), else_=relationship.c.person_id)
    relatives = (with_person(select(*_branch(_RELATIVE, _RELATIONSHIP, _PERSON, _ENROLMENT))
                             .select_from(relationship), other)
                 .where(or_(relationship.c.person_id == me, relationship.c.relative_id == me)))
    mine = member.alias("mine")
    households = (with_person(select(*_branch(_HOUSEHOLD_MEMBER, _HOUSEHOLD, _MEMBER, _PERSON, _ENROLMENT))
                              .select_from(household)
                              .join(mine, mine.c.household_id == household.c.id)
                              .join(member, member.c.household_id == household.c.id), member.c.person_id)
                  .where(mine.c.person_id == me))
    party = case((binding.c.holder_id == me, binding.c.subject_id), else_=binding.c.holder_id)
    bindings = (with_person(select(*_branch(_PARTY, _BINDING, _PERSON, _ENROLMENT))
                            .select_from(binding), party)
                .where(or_(binding.c.holder_id == me, binding.c.subject_id == me),
                       binding.c.status.in_([status.value for status in LIVE])))
    counterpart = case((grant.c.grantor_id == me, grant.c.grantee_id), else_=grant.c.grantor_id)
    grants = (with_person(select(*_branch(_GRANT_PARTY, _GRANT, _PERSON, _ENROLMENT))
                          .select_from(grant), counterpart)
              .where(or_(grant.c.grantor_id == me, grant.c.grantee_id == me)))
    held = and_(binding.c.holder_id == me, binding.c.status == BindingStatus.ACTIVE.value)
    held_subjects = (select(*_branch(_HELD, _PERSON, _ENROLMENT, _ACCOUNT, _ORDER)).select_from(binding)
                     .join(person, person.c.id == binding.c.subject_id)
                     .outerjoin(enrolment, enrolment.c.person_id == person.c.id)
                     .outerjoin(account, account.c.person_id == person.c.id)
                     .outerjoin(order, order.c.person_id == person.c.id)
                     .where(held))
    held_grants = (with_person(select(*_branch(_HELD_GRANT, _GRANT, _PERSON, _ENROLMENT)).select_from(grant)
                               .join(binding, binding.c.subject_id == grant.c.grantee_id), grant.c.grantor_id)
                   .where(held))
    return union_all(who, relatives, households, bindings, grants, held_subjects, held_grants)


_VIEWER = _viewer_statement()


def viewer_rows(s: Session, person_id: uuid.UUID) -> ViewerRows:
    """The viewer's rows, each kind in the order its own loader gives (oldest first, then by id)."""
    person = account = order = None
    people: dict[uuid.UUID, Any] = {}
    held: dict[uuid.UUID, tuple] = {}
    enrolments: dict[uuid.UUID, Any] = {}
    found: dict[int, list[tuple]] = defaultdict(list)
    connection = s.connection()
    dialect = connection.dialect
    for values in connection.execute(_VIEWER, {"me": person_id}):
        someone = _PERSON.take(values, dialect)
        people[someone.id] = someone
        enrolment = _ENROLMENT.take(values, dialect)
        if enrolment is not None:
            enrolments[someone.id] = enrolment
        tag = values[0]
        if tag == _WHO:
            person, account, order = someone, _ACCOUNT.take(values, dialect), _ORDER.take(values, dialect)
        elif tag == _HELD:
            held[someone.id] = (_ACCOUNT.take(values, dialect), _ORDER.take(values, dialect))
        else:
            found[tag].append(values)

    def rows(tag: int, slot: _Columns, key) -> list:
        return sorted((slot.take(values, dialect) for values in found[tag]), key=key)

    relationships = rows(_RELATIVE, _RELATIONSHIP, lambda r: (r.claimed_at, r.id))
    households: dict[uuid.UUID, Any] = {}
    members: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for household, member in sorted(((_HOUSEHOLD.take(v, dialect), _MEMBER.take(v, dialect))
                                     for v in found[_HOUSEHOLD_MEMBER]), key=lambda pair: _household_order(*pair)):
        households.setdefault(household.id, household)
        members[household.id].append(member.person_id)
    bindings = rows(_PARTY, _BINDING, lambda b: (b.requested_at, b.id))
    grants = rows(_GRANT_PARTY, _GRANT, lambda g: (g.created_at, g.id))
    received: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for grant in rows(_HELD_GRANT, _GRANT, lambda g: (g.created_at, g.id)):
        received[grant.grantee_id].append(grant)
    people.pop(person_id, None)
    return ViewerRows(person, account, relationships, list(households.values()), dict(members), bindings, people,
                      enrolments, grants, order,
                      {subject: HeldPayer(*found_, received.get(subject, [])) for subject, found_ in held.items()})


def _household_order(household, member) -> tuple:
    return household.created_at, household.id, member.added_at, member.person_id


def viewer_scope(s: Session, person_id: uuid.UUID) -> ViewerScope:
    return viewer_rows(s, person_id).scope()


