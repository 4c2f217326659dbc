"""The staging table of a roster import: rows go in fast (COPY on PostgreSQL, executemany on SQLite), and
what needs the whole file or the database is checked there, set-based.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.sql import Select
from sqlmodel import Session

from backend.domain.money import yuan
from backend.domain.roster import Problem, RosterRow, RowError, problem
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
    # The balance difference is staged as a new person's (the whole balance): the apply corrects it only for
    # people on file, so a file of new people costs no pass over the staged rows for it.
    return (import_id, row_no, uuid.uuid4(), False, row.id_number, row.name, row.phone, row.birth_date,
            row.sex.value, row.insurance_type.value, row.region_code, row.status.value, row.balance_fen, row.digest,
            True, row.balance_fen or 0)


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


def _storable(value: str | None) -> str | None:
    """A problem's value as PostgreSQL can keep it: a NUL character (which a text column refuses) shown as �."""
    return None if value is None else value.replace("\x00", "\ufffd")


def add_errors(s: Session, import_id: uuid.UUID, first_seq: int, errors: Sequence[RowError]) -> int:
    """Store row errors numbered from `first_seq`; how many were stored."""
    if errors:
        s.connection().execute(insert(_error), [
            dict(import_id=import_id, seq=first_seq + i, row_no=e.row, column=e.column, code=e.code,
                 message_id=e.message_id, params=json.dumps(e.params, ensure_ascii=False, default=str),
                 value=_storable(e.value))
            for i, e in enumerate(errors)])
    return len(errors)


def analyze(s: Session) -> None:
    """Fresh planner statistics for the staging table on PostgreSQL: without them it takes the freshly filled
    table for empty and joins it by nested loops, quadratic in the file's size."""
    if s.connection().dialect.name == "postgresql":
        s.connection().exec_driver_sql("ANALYZE rosterrow")


def resolve_people(s: Session, import_id: uuid.UUID) -> None:
    """Rows of people already on file take their id, and are marked changed or not by what the last roster
    said about them (its row digest); the rest keep the id drawn for them and stay changed (new). One pass,
    and only rows that change are rewritten (run again at apply, it touches only people registered, and
    rows of rosters applied, meanwhile)."""
    same = exists().where(_entry.c.person_id == _person.c.id, _entry.c.row_sha256 == _staged.c.row_sha256)
    s.connection().execute(
        update(_staged).where(_staged.c.import_id == import_id, _person.c.id_number == _staged.c.id_number,
                              or_(~_staged.c.existing, _staged.c.person_id != _person.c.id, _staged.c.changed == same))
        .values(person_id=_person.c.id, existing=True, changed=~same))


def _duplicates(import_id: uuid.UUID, column) -> Select:
    """Rows whose value of `column` another row of the file has too; `other` names that row."""
    window = dict(partition_by=column)
    ranked = (select(_staged.c.row_no, column.label("value"), func.count().over(**window).label("n"),
                     func.min(_staged.c.row_no).over(**window).label("first"),
                     func.max(_staged.c.row_no).over(**window).label("last"))
              .where(_staged.c.import_id == import_id, column.is_not(None))).subquery()
    other = func.coalesce(func.nullif(ranked.c.first, ranked.c.row_no), ranked.c.last)
    return select(ranked.c.row_no, ranked.c.value, other.label("other")).where(ranked.c.n > 1)


def _yuan_value(fen: int | None) -> str | None:
    return None if fen is None else yuan(fen)


def check_staged(s: Session, import_id: uuid.UUID, keep: int) -> int:
    """The checks that need the whole file or the database; how many problems they found. The first
    `keep` are stored (by check, then row), each with the value the file had."""
    analyze(s)
    resolve_people(s, import_id)
    mine = _staged.c.import_id == import_id
    other_person = _person.alias("other")
    checks = [
        (Problem.DUPLICATE_ID, "id_number", _duplicates(import_id, _staged.c.id_number), str),
        (Problem.DUPLICATE_PHONE, "phone", _duplicates(import_id, _staged.c.phone), str),
        (Problem.NAME_MISMATCH, "name",
         select(_staged.c.row_no, _staged.c.name.label("value"))
         .select_from(_staged.join(_person, _person.c.id == _staged.c.person_id))
         .where(mine, _staged.c.existing, _person.c.name != _staged.c.name), str),
        (Problem.PHONE_TAKEN, "phone",
         select(_staged.c.row_no, _staged.c.phone.label("value")).where(
             mine, _staged.c.phone.is_not(None), exists().where(
                 other_person.c.phone == _staged.c.phone, other_person.c.id_number != _staged.c.id_number)), str),
        (Problem.BALANCE_NEGATIVE, "balance_yuan",
         select(_staged.c.row_no, _staged.c.balance_fen.label("value"))
         .select_from(_staged.join(_account, _account.c.person_id == _staged.c.person_id)
                      .outerjoin(_entry, _entry.c.person_id == _staged.c.person_id))
         .where(mine, _staged.c.existing, _staged.c.balance_fen.is_not(None),
                _account.c.balance_fen + _staged.c.balance_fen
                - func.coalesce(_entry.c.balance_fen, _account.c.balance_fen) < 0), _yuan_value),
    ]
    found = 0
    for code, column, query, shown in checks:
        found_here = s.connection().execute(select(func.count()).select_from(query.subquery())).scalar_one()
        room = max(keep - found, 0)
        if found_here and room:
            rows = s.connection().execute(query.order_by(query.selected_columns.row_no).limit(room)).all()
            add_errors(s, import_id, found, [
                problem(r.row_no, column, code, shown(r.value), **({"other": r.other} if "other" in r._fields else {}))
                for r in rows])
        found += found_here
    return found


def mark_changes(s: Session, import_id: uuid.UUID) -> dict[str, int]:
    """Counts of new, changed and unchanged rows, as `resolve_people` (run before) marked them."""
    row = s.connection().execute(
        select(func.count().filter(~_staged.c.existing),
               func.count().filter(and_(_staged.c.existing, _staged.c.changed)),
               func.count().filter(~_staged.c.changed))
        .where(_staged.c.import_id == import_id)).one()
    return {"new": row[0], "changed": row[1], "unchanged": row[2]}


def clear(s: Session, import_id: uuid.UUID) -> None:
    s.connection().execute(_staged.delete().where(_staged.c.import_id == import_id))
