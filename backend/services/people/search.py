"""Staff search for people, by the kind of query the domain recognises.

On PostgreSQL each kind has its index (migration 0009): the unique btrees on `id_number` and
`phone`, a `text_pattern_ops` btree on `reverse(id_number)` for last digits, and a GIN index on
`person_name_grams(name)` for name fragments. SQLite scans, which is fine at its scale.
"""

from __future__ import annotations

from sqlalchemy import Text, bindparam, func
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, select

from backend.domain.search import SearchKind, SearchQuery, fragment_grams
from backend.storage.models import Person


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


def search_people(s: Session, query: SearchQuery, offset: int, limit: int) -> tuple[list[Person], int]:
    """One page of the people `query` finds, by name, and how many it finds in all."""
    condition = _condition(query, s.get_bind().dialect.name)
    total = s.exec(select(func.count()).select_from(Person).where(condition)).one()
    rows = s.exec(select(Person).where(condition).order_by(Person.name, Person.id).offset(offset).limit(limit)).all()
    return list(rows), total
