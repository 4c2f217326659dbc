"""Staff search for people, by the kind of query the domain recognises.

On PostgreSQL each kind has its index (migration 0009): the unique btrees on `id_number` and
`phone`, a `text_pattern_ops` btree on `reverse(id_number)` for last digits, and a GIN index on
`person_name_grams(name)` for name fragments. SQLite scans, which is fine at its scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, bindparam, func
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, select

from backend.domain.search import SearchKind, SearchQuery, fragment_grams
from backend.storage.models import Person

COUNT_CAP = 1_000  # more matches than this are not counted exactly, nor listed


def _condition(query: SearchQuery, dialect: str):
    if query.kind is SearchKind.ID_NUMBER:
        return Person.id_number == query.text
    if query.kind is SearchKind.PHONE:
        return Person.phone == query.text
    if query.kind is SearchKind.ID_SUFFIX:
        if dialect == "postgresql":
            return func.reverse(Person.id_number).like(query.text[::-1] + "%")
        return Person.id_number.endswith(query.text)
    contains = Person.name.contains(query.text, autoescape=True)
    if dialect != "postgresql":
        return contains
    grams = bindparam("grams", fragment_grams(query.text), type_=postgresql.ARRAY(Text))
    return func.person_name_grams(Person.name).op("@>")(grams) & contains


@dataclass(frozen=True)
class Found:
    people: list[Person]  # the page asked for; empty when more than COUNT_CAP match
    total: int            # how many match, counted up to COUNT_CAP
    capped: bool          # more than COUNT_CAP match: too many to count or list, the query needs narrowing


def search_people(s: Session, query: SearchQuery, offset: int, limit: int) -> Found:
    """One page of the people `query` finds, by name, and how many it finds in all.

    The count stops at COUNT_CAP: one character of a common surname matches tens of thousands at a
    million people, and counting and sorting them all is what made such a search slow
    (`bench/search.py`). Past the cap nothing is listed; the caller asks for a narrower query."""
    condition = _condition(query, s.get_bind().dialect.name)
    matched = select(Person.id).where(condition).limit(COUNT_CAP + 1).subquery()
    total = s.exec(select(func.count()).select_from(matched)).one()
    if total > COUNT_CAP:
        return Found([], COUNT_CAP, True)
    rows = s.exec(select(Person).where(condition).order_by(Person.name, Person.id).offset(offset).limit(limit)).all()
    return Found(list(rows), total, False)
