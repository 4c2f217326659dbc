"""Roster import (issue 8 §1): a bureau's file of insured people, validated whole, then applied all or nothing.

An import is a job row (`rosterimport`) that moves through
pending -> validating -> invalid | ready -> applying -> done | failed, or to cancelled. Validation streams
the file once: each record is checked in the domain, good rows go to the staging table in batches (the
job row's `rows_processed` shows progress), problems go to `rosterimporterror`; then the checks that need
the whole file or the database run set-based. With any problem nothing else is written. Confirming applies
the staged rows in one transaction (`roster_apply`). The same file (by SHA-256) is the same import.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path

from sqlalchemy import func, update
from sqlmodel import Session, select

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.roster import Problem, RosterRow, RowError, check_row, header_columns, problem
from backend.observability import metrics
from backend.policy import is_admin
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.platform import audit
from backend.services.roster import roster_apply, roster_stage
from backend.services.roster.roster_file import Records, detect_encoding, file_digest, normalize_encoding
from backend.storage.models import RosterImport, RosterImportError

log = logging.getLogger(__name__)

BATCH = 5000  # rows staged per transaction; the job row's progress moves once per batch
SHOWN_ERRORS = 200  # what the page and the graph show at most; the CSV download has them all


class Status(StrEnum):
    PENDING = "pending"
    VALIDATING = "validating"
    INVALID = "invalid"
    READY = "ready"
    APPLYING = "applying"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


RUNNING = (Status.PENDING, Status.VALIDATING, Status.APPLYING)
# The same file again after one of these starts over; after any other status it is the same import.
START_OVER = (Status.INVALID, Status.FAILED, Status.CANCELLED)

Progress = Callable[[int, Records], None]


def _require_admin(actor: Actor) -> None:
    if not is_admin(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)


def ended(row: RosterImport) -> None:
    """Every import that ends (done, failed, invalid, cancelled) passes here once: counted and logged."""
    metrics.roster_import_job(str(row.status).lower())
    log.info("roster import %s ended %s: %d rows, %d problems, %d new, %d changed, %d adjusted",
             row.id, row.status, row.total_rows, row.error_count, row.new_count, row.changed_count, row.adjusted_count)


def _set(rt: Runtime, import_id: uuid.UUID, **values) -> None:
    table = RosterImport.__table__
    rt.db.write(lambda s: s.connection().execute(
        update(table).where(table.c.id == import_id).values(updated_at=rt.clock.now(), **values)))


def get(rt: Runtime, import_id: uuid.UUID) -> RosterImport:
    with rt.db.read() as s:
        row = s.get(RosterImport, import_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="id")
    return row


def start(rt: Runtime, actor: Actor, path: Path, filename: str, encoding: str | None = None) -> RosterImport:
    """Admins: register a file as an import job (pending), or find the import this same file already is."""
    _require_admin(actor)
    if encoding:
        declared = normalize_encoding(encoding)
        if declared is None:
            raise DomainError(ErrorCode.INVALID_INPUT, field="encoding")
    else:
        declared = detect_encoding(path)
    digest, now = file_digest(path), rt.clock.now()
    name = (Path(filename).name or "roster.csv")[:200]

    def work(s: Session) -> RosterImport:
        row = s.exec(select(RosterImport).where(RosterImport.file_sha256 == digest).with_for_update()).first()
        if row is not None and row.status not in START_OVER:
            return row
        if row is None:
            row = RosterImport(file_sha256=digest, filename=name, encoding=declared, status=Status.PENDING,
                               created_by=actor.principal.id, created_at=now, updated_at=now)
        else:
            s.connection().execute(RosterImportError.__table__.delete()
                                   .where(RosterImportError.__table__.c.import_id == row.id))
            row.sqlmodel_update(dict(filename=name, encoding=declared, status=Status.PENDING, total_rows=0,
                                     rows_processed=0, error_count=0, new_count=0, changed_count=0,
                                     unchanged_count=0, adjusted_count=0, adjusted_net_fen=0,
                                     created_by=actor.principal.id, created_at=now, updated_at=now,
                                     finished_at=None, error_message=None))
        s.add(row)
        s.flush()
        audit.record(s, actor, "roster.start", at=now, import_id=row.id, filename=name, sha256=digest)
        return row

    return rt.db.write(work)


def validate(rt: Runtime, import_id: uuid.UUID, path: Path, progress: Progress | None = None) -> RosterImport:
    """Check every row of a pending import and stage the good ones; ends ready, or invalid with its problems."""
    row = get(rt, import_id)
    if row.status != Status.PENDING:
        raise DomainError(ErrorCode.ROSTER_STATE, status=row.status)
    _set(rt, import_id, status=Status.VALIDATING)
    today = rt.clock.now().date()
    records = Records(path, row.encoding)
    stored = processed = 0
    good: list[tuple[int, RosterRow]] = []
    bad: list[RowError] = []

    def flush() -> None:
        nonlocal stored, good, bad

        def work(s: Session) -> int:
            roster_stage.stage(s, import_id, good)
            return roster_stage.add_errors(s, import_id, stored, bad)

        stored += rt.db.write(work)
        good, bad = [], []
        _set(rt, import_id, rows_processed=processed, error_count=stored)
        if progress:
            progress(processed, records)

    positions: dict[str, int] | None = None
    width = 0
    number = 1
    try:
        for number, fields in records:
            if positions is None:
                positions, header_errors = header_columns(fields)
                width = len(fields)
                bad.extend(header_errors)
                if header_errors:
                    break
                continue
            processed += 1
            checked, errors = check_row(number, fields, positions, width, today)
            if checked is not None:
                good.append((number, checked))
            bad.extend(errors)
            if len(good) + len(bad) >= BATCH:
                flush()
    except UnicodeDecodeError:
        bad.append(problem(number + 1, "", Problem.ENCODING, encoding=row.encoding))
    except csv.Error as broken:
        bad.append(RowError(number + 1, "", Problem.FIELD_COUNT, str(broken)))
    if positions is None and not bad:
        bad.append(problem(1, "", Problem.EMPTY_FILE))
    flush()
    return _conclude(rt, import_id, processed, stored)


def _conclude(rt: Runtime, import_id: uuid.UUID, processed: int, stored: int) -> RosterImport:
    """The set-based checks, then ready (with what would change) or invalid (nothing staged is kept)."""
    now = rt.clock.now()

    def work(s: Session) -> RosterImport:
        problems = stored
        if not problems:
            problems += roster_stage.check_staged(s, import_id, stored)
        row = s.get(RosterImport, import_id, with_for_update=True)
        row.sqlmodel_update(dict(total_rows=processed, rows_processed=processed, error_count=problems,
                                 updated_at=now))
        if problems:
            roster_stage.clear(s, import_id)
            row.sqlmodel_update(dict(status=Status.INVALID, finished_at=now))
        else:
            counts = roster_stage.mark_changes(s, import_id)
            row.sqlmodel_update(dict(status=Status.READY, new_count=counts["new"], changed_count=counts["changed"],
                                     unchanged_count=counts["unchanged"]))
        s.add(row)
        return row

    row = rt.db.write(work)
    if row.status == Status.INVALID:
        ended(row)
    return row


def _transition(rt: Runtime, actor: Actor, import_id: uuid.UUID, allowed: tuple[Status, ...], to: Status,
                action: str) -> RosterImport:
    _require_admin(actor)
    now = rt.clock.now()

    def work(s: Session) -> RosterImport:
        row = s.get(RosterImport, import_id, with_for_update=True)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="id")
        if row.status not in allowed:
            raise DomainError(ErrorCode.ROSTER_STATE, status=row.status)
        row.sqlmodel_update(dict(status=to, updated_at=now))
        if to == Status.CANCELLED:
            roster_stage.clear(s, import_id)
            row.finished_at = now
        s.add(row)
        audit.record(s, actor, action, at=now, import_id=row.id)
        return row

    row = rt.db.write(work)
    if to == Status.CANCELLED:
        ended(row)
    return row


def confirm(rt: Runtime, actor: Actor, import_id: uuid.UUID) -> RosterImport:
    """Admins: a ready import is to be applied (status applying); `apply` does it."""
    return _transition(rt, actor, import_id, (Status.READY,), Status.APPLYING, "roster.confirm")


def cancel(rt: Runtime, actor: Actor, import_id: uuid.UUID) -> RosterImport:
    """Admins: drop an import that has not been applied; its staged rows go."""
    return _transition(rt, actor, import_id, (Status.PENDING, Status.READY), Status.CANCELLED, "roster.cancel")


def apply(rt: Runtime, actor: Actor, import_id: uuid.UUID) -> RosterImport:
    """Apply a confirmed import in one transaction: done, or failed with nothing of it written."""
    now = rt.clock.now()

    def work(s: Session) -> RosterImport:
        row = s.get(RosterImport, import_id, with_for_update=True)
        if row is None or row.status != Status.APPLYING:
            raise DomainError(ErrorCode.ROSTER_STATE, status=row.status if row else "missing")
        applied = roster_apply.apply(s, import_id, now)
        roster_stage.clear(s, import_id)
        row.sqlmodel_update(dict(status=Status.DONE, new_count=applied.new, changed_count=applied.changed,
                                 unchanged_count=applied.unchanged, adjusted_count=applied.adjusted,
                                 adjusted_net_fen=applied.adjusted_net_fen, updated_at=now, finished_at=now))
        s.add(row)
        audit.record(s, actor, "roster.apply", at=now, import_id=row.id, new=applied.new, changed=applied.changed,
                     unchanged=applied.unchanged, adjusted=applied.adjusted, adjusted_net_fen=applied.adjusted_net_fen,
                     ledger_transaction=applied.transaction_id)
        return row

    try:
        row = rt.db.write(work)
    except DomainError:
        raise
    except Exception as failure:  # noqa: BLE001 - whatever broke, the import says so and nothing was written
        log.exception("roster import %s failed", import_id)
        _set(rt, import_id, status=Status.FAILED, finished_at=now, error_message=str(failure)[:2000])
        rt.db.write(lambda s: roster_stage.clear(s, import_id))
        row = get(rt, import_id)
    ended(row)
    return row


def fail(rt: Runtime, import_id: uuid.UUID, message: str) -> RosterImport:
    """A job that could not run to its end (its file gone, the process stopped): failed, staging cleared."""
    now = rt.clock.now()
    _set(rt, import_id, status=Status.FAILED, finished_at=now, error_message=message[:2000])
    rt.db.write(lambda s: roster_stage.clear(s, import_id))
    row = get(rt, import_id)
    ended(row)
    return row


# --- reads ---

def imports(s: Session, offset: int, limit: int) -> tuple[list[RosterImport], int]:
    rows = s.exec(select(RosterImport).order_by(RosterImport.created_at.desc(), RosterImport.id)
                  .offset(offset).limit(limit)).all()
    return list(rows), s.exec(select(func.count()).select_from(RosterImport)).one()


def errors(s: Session, import_id: uuid.UUID, offset: int = 0,
           limit: int | None = SHOWN_ERRORS) -> list[RosterImportError]:
    """An import's problems by row, then column."""
    query = (select(RosterImportError).where(RosterImportError.import_id == import_id)
             .order_by(RosterImportError.row_no, RosterImportError.seq).offset(offset))
    return list(s.exec(query.limit(limit) if limit is not None else query).all())


def errors_csv(rt: Runtime, import_id: uuid.UUID, translate: Callable[[str, dict], str],
               chunk: int = 5000) -> Iterator[str]:
    """Every problem of an import as CSV text (row, column, code, message), produced chunk by chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "column", "code", "message"])
    offset = 0
    while True:
        with rt.db.read() as s:
            rows = errors(s, import_id, offset, chunk)
        for e in rows:
            writer.writerow([e.row_no, e.column, e.code, translate(e.message_id, json.loads(e.params))])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < chunk:
            return
        offset += chunk
