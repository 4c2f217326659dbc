"""The staging table of a roster import: rows go in fast (COPY on PostgreSQL, executemany on SQLite), and
what needs the whole file or the database is checked there, set-based.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from sqlalchemy import String, and_, cast, exists, func, insert, literal, or_, select, update
from sqlalchemy.sql import Select
from sqlmodel import Session

from backend.domain.roster import MESSAGES, Problem, RosterRow, RowError
from backend.storage.models import Person, PersonalAccount, RosterEntry, RosterImportError
from backend.storage.models import RosterRow as Staged

_staged = Staged.__table__
_error = RosterImportError.__table__
_person = Person.__table__
_account = PersonalAccount.__table__
_entry = RosterEntry.__table__

COLUMNS = ("import_id", "row_no", "person_id", "existing", "id_number", "name", "phone", "birth_date", "sex",
           "insurance_type", "region_code", "status", "balance_fen", "row_sha256", "changed", "delta_fen")


def _values(import_id: uuid.UUID, row_no: int, row: RosterRow) -> tuple:
    # A new person's id is drawn now; `resolve_people` replaces it with the id on file for people already known.
    return (import_id, row_no, uuid.uuid4(), False, row.id_number, row.name, row.phone, row.birth_date,
            row.sex.value, row.insurance_type.value, row.region_code, row.status.value, row.balance_fen, row.digest,
            True, 0)


def stage(s: Session, import_id: uuid.UUID, rows: Sequence[tuple[int, RosterRow]]) -> None:
    """Add a batch of checked rows to the staging table."""
    if not rows:
        return
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY rosterrow ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row_no, row in rows:
                copy.write_row(_values(import_id, row_no, row))
        return
    conn.execute(insert(_staged), [dict(zip(COLUMNS, _values(import_id, row_no, row), strict=True))
                                   for row_no, row in rows])


def add_errors(s: Session, import_id: uuid.UUID, first_seq: int, errors: Sequence[RowError]) -> int:
    """Store row errors numbered from `first_seq`; how many were stored."""
    if errors:
        s.connection().execute(insert(_error), [
            dict(import_id=import_id, seq=first_seq + i, row_no=e.row, column=e.column, code=e.code,
                 message_id=e.message_id, params=json.dumps(e.params, ensure_ascii=False, default=str))
            for i, e in enumerate(errors)])
    return len(errors)


def analyze(s: Session) -> None:
    """Fresh planner statistics for the staging table on PostgreSQL: without them it takes the freshly filled
    table for empty and joins it by nested loops, quadratic in the file's size."""
    if s.connection().dialect.name == "postgresql":
        s.connection().exec_driver_sql("ANALYZE rosterrow")


def resolve_people(s: Session, import_id: uuid.UUID) -> None:
    """Rows of people already on file take their id; the rest keep the id drawn for them. Only rows that
    change are rewritten (run again at apply, it touches only people registered meanwhile)."""
    s.connection().execute(
        update(_staged).where(_staged.c.import_id == import_id, _person.c.id_number == _staged.c.id_number,
                              or_(~_staged.c.existing, _staged.c.person_id != _person.c.id))
        .values(person_id=_person.c.id, existing=True))


def _insert_problems(s: Session, import_id: uuid.UUID, first_seq: int, code: str, column: str, query,
                     other: bool = False) -> int:
    """INSERT ... SELECT one error per row `query` finds (it selects row_no, and `other` when given)."""
    found = query.subquery()
    params = (literal('{"other": ') + cast(found.c.other, String) + literal("}")) if other else literal("{}")
    numbered = select(literal(import_id, _error.c.import_id.type),
                      literal(first_seq) + func.row_number().over(order_by=found.c.row_no) - 1,
                      found.c.row_no, literal(column), literal(code), literal(MESSAGES[code]), params)
    result = s.connection().execution_options(preserve_rowcount=True).execute(insert(_error).from_select(
        ["import_id", "seq", "row_no", "column", "code", "message_id", "params"], numbered))
    return result.rowcount


def _duplicates(import_id: uuid.UUID, column) -> Select:
    """Rows whose value of `column` another row of the file has too; `other` names that row."""
    window = dict(partition_by=column)
    ranked = (select(_staged.c.row_no, func.count().over(**window).label("n"),
                     func.min(_staged.c.row_no).over(**window).label("first"),
                     func.max(_staged.c.row_no).over(**window).label("last"))
              .where(_staged.c.import_id == import_id, column.is_not(None))).subquery()
    other = func.coalesce(func.nullif(ranked.c.first, ranked.c.row_no), ranked.c.last)
    return select(ranked.c.row_no, other.label("other")).where(ranked.c.n > 1)


def check_staged(s: Session, import_id: uuid.UUID, first_seq: int) -> int:
    """The checks that need the whole file or the database; how many problems they stored."""
    analyze(s)
    resolve_people(s, import_id)
    mine = _staged.c.import_id == import_id
    other_person = _person.alias("other")
    checks = [
        (Problem.DUPLICATE_ID, "id_number", _duplicates(import_id, _staged.c.id_number), True),
        (Problem.DUPLICATE_PHONE, "phone", _duplicates(import_id, _staged.c.phone), True),
        (Problem.NAME_MISMATCH, "name",
         select(_staged.c.row_no).select_from(_staged.join(_person, _person.c.id == _staged.c.person_id))
         .where(mine, _staged.c.existing, _person.c.name != _staged.c.name), False),
        (Problem.PHONE_TAKEN, "phone",
         select(_staged.c.row_no).where(mine, _staged.c.phone.is_not(None), exists().where(
             other_person.c.phone == _staged.c.phone, other_person.c.id_number != _staged.c.id_number)), False),
        (Problem.BALANCE_NEGATIVE, "balance_yuan",
         select(_staged.c.row_no)
         .select_from(_staged.join(_account, _account.c.person_id == _staged.c.person_id)
                      .outerjoin(_entry, _entry.c.person_id == _staged.c.person_id))
         .where(mine, _staged.c.existing, _staged.c.balance_fen.is_not(None),
                _account.c.balance_fen + _staged.c.balance_fen
                - func.coalesce(_entry.c.balance_fen, _account.c.balance_fen) < 0), False),
    ]
    stored = 0
    for code, column, query, with_other in checks:
        stored += _insert_problems(s, import_id, first_seq + stored, code, column, query, other=with_other)
    return stored


def mark_changes(s: Session, import_id: uuid.UUID) -> dict[str, int]:
    """Which rows differ from what the last roster said about their person; counts of new, changed, unchanged."""
    same = exists().where(_entry.c.person_id == _staged.c.person_id, _entry.c.row_sha256 == _staged.c.row_sha256)
    # Only rows whose flag flips are rewritten: a staged row starts as changed, so a file of new people
    # costs no pass here at all.
    s.connection().execute(update(_staged).where(_staged.c.import_id == import_id, _staged.c.changed == same)
                           .values(changed=~same))
    row = s.connection().execute(
        select(func.count().filter(~_staged.c.existing),
               func.count().filter(and_(_staged.c.existing, _staged.c.changed)),
               func.count().filter(~_staged.c.changed))
        .where(_staged.c.import_id == import_id)).one()
    return {"new": row[0], "changed": row[1], "unchanged": row[2]}


def clear(s: Session, import_id: uuid.UUID) -> None:
    s.connection().execute(_staged.delete().where(_staged.c.import_id == import_id))
