"""Applying a validated roster import: set-based statements over the staging table, inside the caller's
one transaction, on PostgreSQL and SQLite alike.

New people get a person, an enrolment and (employees) a personal account. A changed enrolment is
updated in place; grant suspension (R2, R3) is never stored, so it follows at the next use. A balance
that differs from what the last roster said moves the account by the difference, as one ledger
transaction `roster_adjustment` referencing the import (the counter side on `opening:<region>`, the
account balances carried in), never by overwriting it. Rows whose digest the last roster already
carried change nothing; people absent from the file are left alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, exists, func, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from backend.domain.insurance import InsuranceType
from backend.services.money import ledger
from backend.services.roster.roster_stage import analyze, mark_changes, resolve_people
from backend.storage.models import (
    POSTGRESQL_SEARCH_INDEXES,
    Enrolment,
    LedgerPosting,
    LedgerTransaction,
    Person,
    PersonalAccount,
    RosterEntry,
)
from backend.storage.models import RosterRow as Staged

ROSTER_ADJUSTMENT = "roster_adjustment"
CHUNK = 20_000  # rows to change applied per step; the apply's progress moves once per step
# A first load on PostgreSQL (more new people than REBUILD_FACTOR times those on file, and at least
# REBUILD_MIN) builds person's search indexes once after its rows instead of row by row.
REBUILD_FACTOR = 4
REBUILD_MIN = 10_000
MAINTENANCE_WORK_MEM = "256MB"

_staged = Staged.__table__
_person = Person.__table__
_enrolment = Enrolment.__table__
_account = PersonalAccount.__table__
_entry = RosterEntry.__table__
_tx = LedgerTransaction.__table__
_posting = LedgerPosting.__table__


@dataclass(frozen=True)
class Applied:
    new: int
    changed: int
    unchanged: int
    adjusted: int
    adjusted_net_fen: int
    transaction_id: uuid.UUID | None


def _new_uuid(dialect: str):
    """A random id drawn by the database, so postings need no round trip through Python."""
    if dialect == "postgresql":
        return func.gen_random_uuid()
    return func.lower(func.hex(func.randomblob(16)))  # how SQLAlchemy keeps a Uuid on SQLite: 32 hex digits


def _hex(column):
    return func.replace(cast(column, String), "-", "")


def apply(s: Session, import_id: uuid.UUID, at: datetime,
          progress: Callable[[int, int], None] | None = None) -> Applied:
    """Apply the staged rows, `CHUNK` rows to change at a time (all in the caller's transaction), telling
    `progress` (rows of the file done, rows in all) after each."""
    conn = s.connection()
    dialect = conn.dialect.name
    mine = _staged.c.import_id == import_id
    analyze(s)
    # People registered, and rosters applied, since validation are seen again.
    resolve_people(s, import_id)
    counts = mark_changes(s, import_id)
    total, last = conn.execute(select(func.count(), func.max(_staged.c.row_no)).where(mine)).one()
    if progress:
        progress(0, total)
    todo = and_(mine, _staged.c.changed)
    set_aside = _set_aside_search_indexes(s, counts["new"]) if dialect == "postgresql" else []
    if dialect == "postgresql":
        # The accounts about to move, locked in the order settlements lock them (by person id).
        conn.execute(select(_account.c.person_id).where(_account.c.person_id.in_(
            select(_staged.c.person_id).where(todo, _staged.c.existing))).order_by(_account.c.person_id)
            .with_for_update())
    previous = func.coalesce(
        select(_entry.c.balance_fen).where(_entry.c.person_id == _staged.c.person_id).scalar_subquery(),
        select(_account.c.balance_fen).where(_account.c.person_id == _staged.c.person_id).scalar_subquery(), 0)
    # Staged as a new person's difference (the whole balance); corrected here for people on file only.
    difference = _staged.c.balance_fen - previous
    conn.execute(update(_staged).where(todo, _staged.c.existing, _staged.c.balance_fen.is_not(None),
                                       _staged.c.delta_fen != difference)
                 .values(delta_fen=difference))
    moved = and_(todo, _staged.c.delta_fen != 0)
    adjusted, net = conn.execute(select(func.count(), func.coalesce(func.sum(_staged.c.delta_fen), 0))
                                 .where(moved)).one()
    tx_id = _open_adjustments(s, import_id, at) if adjusted else None

    # Steps of CHUNK rows to change each (rows that change nothing are passed over, so a nightly file
    # with few changes is one step, not one per CHUNK rows of the file).
    ranked = select(_staged.c.row_no, func.row_number().over(order_by=_staged.c.row_no).label("n")).where(todo).subquery()
    lows = conn.execute(select(ranked.c.row_no).where((ranked.c.n - 1) % CHUNK == 0).order_by(ranked.c.row_no)
                        ).scalars().all()
    for step, low in enumerate(lows):
        high = lows[step + 1] - 1 if step + 1 < len(lows) else last
        part = and_(todo, _staged.c.row_no.between(low, high))
        _apply_rows(s, part, at, tx_id, dialect)
        _remember(s, import_id, part, dialect)
        if progress:
            progress(conn.execute(select(func.count()).where(mine, _staged.c.row_no <= high)).scalar_one(), total)
    if progress and not lows:
        progress(total, total)
    _rebuild(s, set_aside)
    if tx_id is not None:
        _close_adjustments(s, tx_id, at, moved, dialect)
    return Applied(new=counts["new"], changed=counts["changed"], unchanged=counts["unchanged"], adjusted=adjusted,
                   adjusted_net_fen=int(net), transaction_id=tx_id)


def _set_aside_search_indexes(s: Session, new: int) -> list[str]:
    """PostgreSQL, an import that adds more than `REBUILD_FACTOR` times the people on file (a first load):
    drop person's search indexes (name grams, reversed ID number) for `_rebuild` to build in one statement
    each after the rows are in, which is several times cheaper than maintaining them row by row (the name
    grams' GIN above all: docs/scaling.md). The drop locks `person` until the import commits, which only
    a first load can afford; any other import keeps the indexes. Their definitions, to build again."""
    conn = s.connection()
    on_file = conn.exec_driver_sql("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'person'::regclass"
                                   ).scalar_one()
    if new <= REBUILD_FACTOR * on_file or new < REBUILD_MIN:
        return []
    found = conn.exec_driver_sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'person' "
        "AND indexname = ANY(%(names)s)", {"names": sorted(POSTGRESQL_SEARCH_INDEXES)}).all()
    for name, _ in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def _rebuild(s: Session, definitions: list[str]) -> None:
    if not definitions:
        return
    conn = s.connection()
    # Memory for the sort and GIN build of this transaction only (the server's default is 64 MB).
    conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
    for definition in definitions:
        conn.exec_driver_sql(definition)


def _apply_rows(s: Session, todo, at: datetime, tx_id: uuid.UUID | None, dialect: str) -> None:
    """New people, changed enrolments and phones, accounts, and each person's balance difference, for the
    rows `todo` selects."""
    conn = s.connection()
    new = and_(todo, ~_staged.c.existing)
    conn.execute(insert(_person).from_select(
        ["id", "name", "id_number", "birth_date", "sex", "phone", "created_at"],
        select(_staged.c.person_id, _staged.c.name, _staged.c.id_number, _staged.c.birth_date, _staged.c.sex,
               _staged.c.phone, literal(at, _person.c.created_at.type)).where(new)))
    conn.execute(insert(_enrolment).from_select(
        ["person_id", "insurance_type", "region_code", "status", "updated_at"],
        select(_staged.c.person_id, _staged.c.insurance_type, _staged.c.region_code, _staged.c.status,
               literal(at, _enrolment.c.updated_at.type)).where(new)))
    known = and_(todo, _staged.c.existing)
    conn.execute(update(_enrolment).where(known, _enrolment.c.person_id == _staged.c.person_id, or_(
        _enrolment.c.insurance_type != _staged.c.insurance_type, _enrolment.c.region_code != _staged.c.region_code,
        _enrolment.c.status != _staged.c.status))
        .values(insurance_type=_staged.c.insurance_type, region_code=_staged.c.region_code,
                status=_staged.c.status, updated_at=at))
    conn.execute(update(_person).where(known, _person.c.id == _staged.c.person_id, _staged.c.phone.is_not(None),
                                       or_(_person.c.phone.is_(None), _person.c.phone != _staged.c.phone))
                 .values(phone=_staged.c.phone))
    moved = and_(todo, _staged.c.delta_fen != 0)
    if tx_id is not None:
        # Accounts on file move by the difference; the accounts created below start with it (their
        # postings are the same either way), so no account is written twice.
        conn.execute(update(_account).where(moved, _staged.c.existing, _account.c.person_id == _staged.c.person_id)
                     .values(balance_fen=_account.c.balance_fen + _staged.c.delta_fen, updated_at=at))
    employee = and_(todo, _staged.c.insurance_type == InsuranceType.EMPLOYEE.value)
    for which in (~_staged.c.existing,  # new people have no account yet: no look-up
                  and_(_staged.c.existing, ~exists().where(_account.c.person_id == _staged.c.person_id))):
        conn.execute(insert(_account).from_select(
            ["person_id", "balance_fen", "updated_at"],
            select(_staged.c.person_id, _staged.c.delta_fen, literal(at, _account.c.updated_at.type))
            .where(employee, which)))
    if tx_id is None:
        return
    columns = ["id", "transaction_id", "account", "person_id", "amount_fen", "created_at"]
    conn.execute(insert(_posting).from_select(columns, select(
        _new_uuid(dialect), literal(tx_id, _posting.c.transaction_id.type),
        literal("personal:") + _hex(_staged.c.person_id),  # ledger.personal(), in SQL
        _staged.c.person_id, _staged.c.delta_fen, literal(at, _posting.c.created_at.type)).where(moved)))


def _open_adjustments(s: Session, import_id: uuid.UUID, at: datetime) -> uuid.UUID:
    """The import's one `roster_adjustment` transaction; its postings follow chunk by chunk."""
    tx_id = uuid.uuid4()
    s.connection().execute(insert(_tx).values(id=tx_id, kind=ROSTER_ADJUSTMENT, reference_id=import_id,
                                              created_at=at))
    return tx_id


def _close_adjustments(s: Session, tx_id: uuid.UUID, at: datetime, moved, dialect: str) -> None:
    """The other side of each person's difference: each region's total on `opening:<region>`, so the
    transaction balances (and the CHECK kept every account at zero or above)."""
    # Postings carry their transaction's time: the month partition they are stored in on PostgreSQL.
    columns = ["id", "transaction_id", "account", "person_id", "amount_fen", "created_at"]
    region_total = func.sum(_staged.c.delta_fen)
    s.connection().execute(insert(_posting).from_select(columns, select(
        _new_uuid(dialect), literal(tx_id, _posting.c.transaction_id.type),
        literal(ledger.opening("")) + _staged.c.region_code, literal(None), -region_total,
        literal(at, _posting.c.created_at.type)).where(moved).group_by(_staged.c.region_code)
        .having(region_total != 0)))


def _remember(s: Session, import_id: uuid.UUID, todo, dialect: str) -> None:
    """What this roster said about each person it changed: their row's digest and balance (a plain INSERT
    for new people, who have no entry yet; an upsert for the others)."""
    columns = ["person_id", "row_sha256", "balance_fen", "import_id"]

    def rows(which):
        return select(_staged.c.person_id, _staged.c.row_sha256, _staged.c.balance_fen,
                      literal(import_id, _entry.c.import_id.type)).where(todo, which)

    s.connection().execute(insert(_entry).from_select(columns, rows(~_staged.c.existing)))
    upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(_entry)
    statement = upsert.from_select(columns, rows(_staged.c.existing))
    statement = statement.on_conflict_do_update(
        index_elements=["person_id"],
        set_=dict(row_sha256=statement.excluded.row_sha256, balance_fen=statement.excluded.balance_fen,
                  import_id=statement.excluded.import_id))
    s.connection().execute(statement)
