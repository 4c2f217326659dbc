"""Catalogue import (issue 23 §1): the insurer's catalogue file, validated whole, applied all or nothing.

The file is read through the roster import's machinery (its digest, its encoding told or given: UTF-8 or
GB18030, records one by one) and checked row by row in the domain (`backend.domain.catalogue_file`),
then as a whole against itself and the catalogue on file. Any problem: the import is `invalid`, its
problems (the first `STORED_PROBLEMS`, by row and column) kept with it, nothing else written. A dry run
ends `dry_run` with what it would do. Otherwise, in one transaction, every new version is added and the
end dates that change are set: versions of one national code never overlap, each ending the day before
the next begins. The same file (by SHA-256) once imported is the same import.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import func, insert, or_, select, update
from sqlmodel import Session

from backend.domain.catalogue_file import COLUMN_TITLES, COLUMNS, CatalogueRow, Problem, check_row, is_comment, problem
from backend.domain.errors import N_, DomainError, ErrorCode
from backend.domain.spreadsheet import RowError
from backend.i18n import gettext
from backend.policy import is_clerk_or_admin
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.catalogue.lookup import in_force
from backend.services.platform import audit
from backend.services.roster.roster import problem_csv_row, problems_csv_header
from backend.services.roster.roster_file import Records, detect_encoding, file_digest, normalize_encoding
from backend.storage.models import CatalogueEntry, CatalogueImport

_entry = CatalogueEntry.__table__
STORED_PROBLEMS = 1000
COUNTED_PROBLEMS = 100_000  # then checking stops
CHUNK = 2000  # codes per look-up of the catalogue on file, rows per insert
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "catalogue_samples.csv"


class Status(StrEnum):
    INVALID = "invalid"
    DRY_RUN = "dry_run"
    DONE = "done"


STATUS_LABELS = {Status.INVALID: N_("Has problems"), Status.DRY_RUN: N_("Dry run"), Status.DONE: N_("Imported")}


class Imported(NamedTuple):
    row: CatalogueImport
    anew: bool  # False: this file was imported already (`row` says when, by whom)


@dataclass
class _Read:
    rows: list[tuple[int, CatalogueRow]] = field(default_factory=list)
    problems: list[RowError] = field(default_factory=list)
    found: int = 0
    total: int = 0
    header_names: dict = field(default_factory=dict)

    def note(self, errors: Sequence[RowError]) -> None:
        room = STORED_PROBLEMS - len(self.problems)
        if room > 0:
            self.problems.extend(errors[:room])
        self.found += len(errors)


def _read(path: Path, encoding: str) -> _Read:
    """Every row of the file checked on its own, and the codes and dates given twice."""
    read = _Read()
    header = None
    width = number = 1
    try:
        for number, fields in Records(path, encoding):
            if is_comment(fields):
                continue
            if header is None:
                header, width = COLUMNS.read_header(fields), len(fields)
                read.header_names = {"names": header.names, "synonyms": header.synonyms}
                read.note(header.errors)
                if header.errors:
                    break
                continue
            read.total += 1
            checked, errors = check_row(number, fields, header.positions, width)
            if errors:
                read.note(errors)
                if read.found >= COUNTED_PROBLEMS:
                    break
            elif not read.found:
                read.rows.append((number, checked))
    except UnicodeDecodeError:
        read.note([problem(number + 1, "", Problem.ENCODING, encoding=encoding)])
    except csv.Error as broken:
        read.note([RowError(number + 1, "", Problem.FIELD_COUNT, str(broken))])
    if header is None and not read.found:
        read.note([problem(1, "", Problem.EMPTY_FILE)])
    if not read.found:
        first: dict[tuple[str, date], int] = {}
        for row_no, row in read.rows:
            key = (row.national_code, row.valid_from)
            if key in first:
                read.note([problem(row_no, "valid_from", Problem.DUPLICATE_VERSION, row.valid_from.isoformat(),
                                   other=first[key])])
            else:
                first[key] = row_no
    return read


@dataclass
class _Plan:
    new: list[dict] = field(default_factory=list)
    ends: dict[uuid.UUID, date | None] = field(default_factory=dict)  # entry on file -> its new end date
    unchanged: int = 0


def _plan(s: Session, rows: list[tuple[int, CatalogueRow]], import_id: uuid.UUID, read: _Read) -> _Plan:
    """What the import adds and which end dates it moves; a version on file given with other values is a
    problem (noted in `read`)."""
    plan = _Plan()
    codes = sorted({row.national_code for _, row in rows})
    on_file: dict[str, list] = defaultdict(list)
    for at in range(0, len(codes), CHUNK):
        for entry in s.connection().execute(select(_entry.c.id, _entry.c.national_code, _entry.c.valid_from,
                                                   _entry.c.valid_to, _entry.c.row_sha256)
                                            .where(_entry.c.national_code.in_(codes[at:at + CHUNK]))):
            on_file[entry.national_code].append(entry)
    given: dict[str, list[tuple[int, CatalogueRow]]] = defaultdict(list)
    for row_no, row in rows:
        given[row.national_code].append((row_no, row))
    for code in codes:
        existing = {e.valid_from: e for e in on_file.get(code, [])}
        # (valid_from, the end it asks for, entry id on file or None, the end on file, the new row or None)
        versions: dict[date, list] = {e.valid_from: [e.valid_from, e.valid_to, e.id, e.valid_to, None]
                                      for e in existing.values()}
        for row_no, row in given[code]:
            old = existing.get(row.valid_from)
            if old is not None and old.row_sha256 != row.digest:
                read.note([problem(row_no, "national_code", Problem.VERSION_DIFFERS, code)])
                continue
            if old is not None:
                versions[row.valid_from][1] = row.valid_to
            else:
                versions[row.valid_from] = [row.valid_from, row.valid_to, None, None, row]
        ordered = sorted(versions.values(), key=lambda v: v[0])
        given_starts = {r.valid_from for _, r in given[code]}
        for at, (start, asked, entry_id, stored_end, row) in enumerate(ordered):
            end = asked
            if at + 1 < len(ordered):
                day_before_next = ordered[at + 1][0] - timedelta(days=1)
                end = day_before_next if end is None else min(end, day_before_next)
            if row is not None:
                plan.new.append(dict(id=uuid.uuid4(), national_code=code, name=row.name, kind=row.kind.value,
                                     item_class=row.item_class.value, b_self_first_bp=row.b_self_first_bp,
                                     price_cap_fen=row.price_cap_fen, valid_from=start, valid_to=end,
                                     import_id=import_id, row_sha256=row.digest))
            elif end != stored_end:
                plan.ends[entry_id] = end
            elif start in given_starts:
                plan.unchanged += 1
    return plan


def _one_import_at_a_time(s: Session) -> None:
    """Imports run one after another: each plans its end dates from the versions on file, which a concurrent
    one could change under it (SQLite's write transactions already take the database's one write lock)."""
    if s.connection().dialect.name == "postgresql":
        s.connection().exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('yibao.catalogue_import'))")


ENTRY_COLUMNS = ("id", "national_code", "name", "kind", "item_class", "b_self_first_bp", "price_cap_fen", "valid_from",
                 "valid_to", "import_id", "row_sha256")


def _insert_entries(s: Session, rows: list[dict]) -> None:
    """The new versions: by COPY on PostgreSQL (as the roster's staging rows; a tenth of the time of batched
    INSERTs for a national catalogue), by batched INSERTs on SQLite."""
    conn = s.connection()
    if conn.dialect.name == "postgresql" and rows:
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY catalogueentry ({', '.join(ENTRY_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[c] for c in ENTRY_COLUMNS))
        return
    for at in range(0, len(rows), CHUNK):
        conn.execute(insert(_entry), rows[at:at + CHUNK])


def _require_staff(actor: Actor) -> None:
    if not is_clerk_or_admin(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)


def _problem_json(errors: Sequence[RowError]) -> str:
    return json.dumps([dict(row=e.row, column=e.column, code=e.code, message_id=e.message_id, params=e.params,
                            value=e.value) for e in sorted(errors, key=lambda e: (e.row, e.column))],
                      ensure_ascii=False, default=str)


def import_file(rt: Runtime, actor: Actor, path: Path, filename: str | None = None, *, encoding: str | None = None,
                dry_run: bool = False) -> Imported:
    """Staff (clerk or admin) or the command line: check a catalogue file whole and, unless it is a dry run
    or has problems, apply it in one transaction. The same file imported before is that import (`anew`
    False), and changes nothing."""
    _require_staff(actor)
    if encoding:
        declared = normalize_encoding(encoding)
        if declared is None:
            raise DomainError(ErrorCode.INVALID_INPUT, field="encoding")
    else:
        declared = detect_encoding(path)
    digest = file_digest(path)
    with rt.db.read() as s:
        done = s.exec(select(CatalogueImport).where(CatalogueImport.file_sha256 == digest,
                                                    CatalogueImport.status == Status.DONE.value)).scalars().first()
    if done is not None:
        return Imported(done, anew=False)
    read = _read(path, declared)
    name = (Path(filename or path.name).name or "catalogue.csv")[:200]
    now = rt.clock.now()

    def work(s: Session) -> Imported:
        _one_import_at_a_time(s)
        row = s.exec(select(CatalogueImport).where(CatalogueImport.file_sha256 == digest)
                     .with_for_update()).scalars().first()
        if row is not None and row.status == Status.DONE.value:
            return Imported(row, anew=False)  # imported meanwhile
        if row is None:
            row = CatalogueImport(file_sha256=digest, filename=name, encoding=declared, status=Status.INVALID.value,
                                  created_at=now)
        problems = read.found
        plan = _Plan()
        if not problems:
            plan = _plan(s, read.rows, row.id, read)
            problems = read.found
        status = Status.INVALID if problems else Status.DRY_RUN if dry_run else Status.DONE
        row.sqlmodel_update(dict(filename=name, encoding=declared, status=status.value, total_rows=read.total,
                                 error_count=problems, new_count=0 if problems else len(plan.new),
                                 unchanged_count=0 if problems else plan.unchanged,
                                 closed_count=0 if problems else len(plan.ends),
                                 created_by=actor.principal.id, created_at=now,
                                 header_names=json.dumps(read.header_names, ensure_ascii=False),
                                 problems=_problem_json(read.problems)))
        s.add(row)
        s.flush()
        if status is Status.DONE:
            _insert_entries(s, plan.new)
            for entry_id, end in plan.ends.items():
                s.connection().execute(update(_entry).where(_entry.c.id == entry_id).values(valid_to=end))
        audit.record(s, actor, f"catalogue.import_{status.value}", at=now, import_id=row.id, filename=name,
                     sha256=digest, rows=read.total, problems=problems, new=row.new_count,
                     unchanged=row.unchanged_count, ended=row.closed_count)
        return Imported(row, anew=True)

    return rt.db.write(work)


# --- reads ---

def problems(row: CatalogueImport) -> list[RowError]:
    return [RowError(p["row"], p["column"], p["code"], p["message_id"], p["params"], p["value"])
            for p in json.loads(row.problems or "[]")]


def column_header(row: CatalogueImport, column: str, locale: str) -> str:
    """A problem's column as the file's header names it, or (a column the file lacks) by its usual name."""
    if not column:
        return ""
    names = json.loads(row.header_names).get("names", {}) if row.header_names else {}
    return names.get(column) or gettext(locale, COLUMN_TITLES.get(column, column))


def problems_csv(row: CatalogueImport, locale: str) -> Iterator[str]:
    """An import's stored problems as CSV text (safe from spreadsheet formulas), headers in `locale`."""
    yield problems_csv_header(locale)
    for p in problems(row):
        yield problem_csv_row(p.row, column_header(row, p.column, locale), p.value, p.code,
                              gettext(locale, p.message_id, **p.params))


def get(rt: Runtime, import_id: uuid.UUID) -> CatalogueImport:
    with rt.db.read() as s:
        row = s.get(CatalogueImport, import_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="id")
    return row


def imports(s: Session, offset: int = 0, limit: int = 20) -> tuple[list[CatalogueImport], int]:
    rows = s.exec(select(CatalogueImport).order_by(CatalogueImport.created_at.desc(), CatalogueImport.id)
                  .offset(offset).limit(limit)).scalars().all()
    return list(rows), s.exec(select(func.count()).select_from(CatalogueImport)).scalar_one()


def search(s: Session, text: str = "", *, on: date | None = None, kind: str | None = None,
           item_class: str | None = None, offset: int = 0, limit: int = 50) -> tuple[list[CatalogueEntry], int]:
    """Entries whose national code starts with `text` (any case) or whose name has it; only the versions in
    force on `on` when given; by code, then start date; and how many there are in all."""
    conditions = []
    text = text.strip()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(or_(CatalogueEntry.national_code.startswith(text.upper(), autoescape=True),
                              CatalogueEntry.national_code.startswith(text, autoescape=True),
                              CatalogueEntry.name.like(f"%{escaped}%", escape="\\")))
    if on is not None:
        conditions.append(in_force(on))
    if kind:
        conditions.append(CatalogueEntry.kind == kind)
    if item_class:
        conditions.append(CatalogueEntry.item_class == item_class)
    rows = s.exec(select(CatalogueEntry).where(*conditions)
                  .order_by(CatalogueEntry.national_code, CatalogueEntry.valid_from)
                  .offset(offset).limit(limit)).scalars().all()
    return list(rows), s.exec(select(func.count()).select_from(CatalogueEntry).where(*conditions)).scalar_one()
