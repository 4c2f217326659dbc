"""Roster import (issue 8 §1): a bureau's file of insured people, validated whole, then applied all or nothing.

An import is a job row (`rosterimport`) that moves through
pending -> validating -> invalid | ready -> applying -> done | failed, or to cancelled (a command-line dry
run: dry_run). A job whose process is gone (the service stopped mid-way) is marked interrupted. Validation
streams the file once: the header is read first (an unknown, doubled or missing column stops it there),
each record is checked in the domain, good rows go to the staging table in batches (the job row's
`rows_processed` against `total_rows`, counted first, shows progress), problems go to `rosterimporterror`
(the first `STORED_PROBLEMS`; `error_count` counts them, and once there is one no row is staged any more;
at `COUNTED_PROBLEMS` checking stops, and `total_rows` says how far it came); then the checks that need
the whole file or the database run set-based. With any problem nothing else is written. Confirming
applies the staged rows in one transaction (`roster_apply`), whose progress this process keeps in memory
(`applied_rows`). The same file (by SHA-256) is the same import.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import func, update
from sqlmodel import Session, select

from backend.domain.errors import N_, DomainError, ErrorCode
from backend.domain.roster import (
    COLUMN_TITLES,
    PROBLEM_CSV_HEADER,
    Header,
    Problem,
    RosterRow,
    RowError,
    check_row,
    header_columns,
    problem,
)
from backend.domain.spreadsheet import csv_row
from backend.i18n import gettext
from backend.observability import metrics
from backend.policy import is_admin
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.platform import audit
from backend.services.roster import roster_apply, roster_sql, roster_stage
from backend.services.roster.roster_file import Records, count_records, detect_encoding, file_digest, normalize_encoding
from backend.storage.models import RosterImport, RosterImportError, StaffUser

log = logging.getLogger(__name__)

BATCH = 5000  # rows staged per transaction; the job row's progress moves once per batch
SHOWN_ERRORS = 200  # what the page and the graph show at most; the CSV download has every stored one
STORED_PROBLEMS = 1000  # kept per import, whatever the file's size; `error_count` counts them all...
COUNTED_PROBLEMS = 100_000  # ...up to this many: then checking stops, so a file of garbage costs little CPU


class Status(StrEnum):
    PENDING = "pending"
    VALIDATING = "validating"
    INVALID = "invalid"
    READY = "ready"
    APPLYING = "applying"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DRY_RUN = "dry_run"
    INTERRUPTED = "interrupted"


STATUS_LABELS = {Status.PENDING: N_("Waiting"), Status.VALIDATING: N_("Checking"), Status.INVALID: N_("Has problems"),
                 Status.READY: N_("Ready to import"), Status.APPLYING: N_("Importing"), Status.DONE: N_("Imported"),
                 Status.FAILED: N_("Failed"), Status.CANCELLED: N_("Cancelled"), Status.DRY_RUN: N_("Dry run"),
                 Status.INTERRUPTED: N_("Interrupted")}
RUNNING = (Status.PENDING, Status.VALIDATING, Status.APPLYING)
ENDED_UNAPPLIED = (Status.CANCELLED, Status.DRY_RUN)  # ended by a decision, with nothing applied
# The same file again after one of these starts over; after any other status it is the same import.
START_OVER = (Status.INVALID, Status.FAILED, Status.CANCELLED, Status.DRY_RUN, Status.INTERRUPTED)

Progress = Callable[[int, int], None]  # (rows done, rows in all)


class Started(NamedTuple):
    row: RosterImport
    anew: bool  # False: the file is an import already (`row` says which, by whom, in what state)


WORKER_MAX = 80  # rosterimport.worker


def _started(pid: int) -> str:
    """When a process started, in clock ticks since boot (Linux), so a pid used again by another process
    (a container's pid 1 after a restart) is not taken for the job's; empty where /proc does not say."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rpartition(")")[2].split()[19]  # field 22 of the line, counted after the command's name


def this_worker() -> str:
    """The process running a job, as `host:pid:started` (the host cut so the rest always fits)."""
    process = f"{os.getpid()}:{_started(os.getpid())}"
    return f"{socket.gethostname()[:WORKER_MAX - len(process) - 1]}:{process}"


def worker_gone(worker: str | None) -> bool:
    """Whether the process a job names is known to have ended: on this host, no process has its pid, or
    the one that has it started at another time. A job of another host's process is never judged here."""
    host, pid, started = ((worker or "").split(":") + ["", "", ""])[:3]
    process = f"{pid}:{started}"
    if not pid.isdigit() or host != socket.gethostname()[:WORKER_MAX - len(process) - 1]:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        pass
    return bool(started) and _started(int(pid)) not in ("", started)


# Rows applied so far by the imports this process is applying (the apply is one transaction: its
# progress cannot be read from the database until it commits).
_applied: dict[uuid.UUID, int] = {}


def applied_rows(import_id: uuid.UUID) -> int | None:
    """Rows of the import applied so far, when this process is applying it."""
    return _applied.get(import_id)


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


def started_by(rt: Runtime, row: RosterImport) -> str | None:
    """The name of the staff user who started an import; None for the command line."""
    if row.created_by is None:
        return None
    with rt.db.read() as s:
        staff = s.get(StaffUser, row.created_by)
    return staff.name if staff else None


def get(rt: Runtime, import_id: uuid.UUID) -> RosterImport:
    with rt.db.read() as s:
        row = s.get(RosterImport, import_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="id")
    return row


def start(rt: Runtime, actor: Actor, path: Path, filename: str, encoding: str | None = None) -> Started:
    """Admins: register a file as an import job (pending), or find the import this same file already is
    (`anew` False). The same file after an import that ended without effect, or whose process is gone,
    starts over."""
    _require_admin(actor)
    if encoding:
        declared = normalize_encoding(encoding)
        if declared is None:
            raise DomainError(ErrorCode.INVALID_INPUT, field="encoding")
    else:
        declared = detect_encoding(path)
    digest, now = file_digest(path), rt.clock.now()
    name = (Path(filename).name or "roster.csv")[:200]

    def work(s: Session) -> Started:
        row = s.exec(select(RosterImport).where(RosterImport.file_sha256 == digest).with_for_update()).first()
        if row is not None and row.status not in START_OVER and not (row.status in RUNNING
                                                                       and worker_gone(row.worker)):
            return Started(row, anew=False)
        if row is None:
            row = RosterImport(file_sha256=digest, filename=name, encoding=declared, status=Status.PENDING,
                               created_by=actor.principal.id, created_at=now, updated_at=now, worker=this_worker())
        else:
            s.connection().execute(RosterImportError.__table__.delete()
                                   .where(RosterImportError.__table__.c.import_id == row.id))
            roster_stage.clear(s, row.id)
            row.sqlmodel_update(dict(filename=name, encoding=declared, status=Status.PENDING, total_rows=0,
                                     rows_processed=0, error_count=0, new_count=0, changed_count=0,
                                     unchanged_count=0, adjusted_count=0, adjusted_net_fen=0,
                                     created_by=actor.principal.id, created_at=now, updated_at=now,
                                     finished_at=None, error_message=None, header_names=None,
                                     worker=this_worker()))
        s.add(row)
        s.flush()
        audit.record(s, actor, "roster.start", at=now, import_id=row.id, filename=name, sha256=digest)
        return Started(row, anew=True)

    return rt.db.write(work)


def validate(rt: Runtime, import_id: uuid.UUID, path: Path, progress: Progress | None = None) -> RosterImport:
    """Check every row of a pending import and stage the good ones; ends ready, or invalid with its problems."""
    row = get(rt, import_id)
    if row.status != Status.PENDING:
        raise DomainError(ErrorCode.ROSTER_STATE, status=row.status)
    expected = count_records(path)
    _set(rt, import_id, status=Status.VALIDATING, worker=this_worker(), total_rows=expected)
    today = rt.clock.now().date()
    if rt.db.dialect == "postgresql":
        staged = _validate_in_sql(rt, import_id, path, row.encoding, today, expected, progress)
        if staged is not None:
            return _conclude(rt, import_id, staged, 0)
    records = Records(path, row.encoding)
    found = processed = 0  # problems found so far (the first STORED_PROBLEMS are stored), rows read
    good: list[tuple[int, RosterRow]] = []
    bad: list[RowError] = []

    def note(errors: list[RowError]) -> None:
        nonlocal found
        room = STORED_PROBLEMS - found
        if room > 0:
            bad.extend(errors[:room])
        found += len(errors)

    def flush() -> None:
        nonlocal good, bad
        stored_before = min(found, STORED_PROBLEMS) - len(bad)
        rows, problems = (good, bad)

        def work(s: Session) -> None:
            roster_stage.stage(s, import_id, rows)
            roster_stage.add_errors(s, import_id, stored_before, problems)

        rt.db.write(work)
        good, bad = [], []
        _set(rt, import_id, rows_processed=processed, error_count=found)
        if progress:
            progress(processed, max(expected, processed))

    header: Header | None = None
    width = number = 1
    try:
        for number, fields in records:
            if header is None:
                header, width = header_columns(fields), len(fields)
                _set(rt, import_id, header_names=_header_json(header))
                note(header.errors)
                if header.errors:
                    break
                continue
            processed += 1
            checked, errors = check_row(number, fields, header.positions, width, today)
            if errors:
                note(errors)
                if found >= COUNTED_PROBLEMS:
                    break
            elif not found:  # after a problem the file is invalid: staging more rows is wasted work
                good.append((number, checked))
            if processed % BATCH == 0:
                flush()
    except UnicodeDecodeError:
        note([problem(number + 1, "", Problem.ENCODING, encoding=row.encoding)])
    except csv.Error as broken:
        note([RowError(number + 1, "", Problem.FIELD_COUNT, str(broken))])
    if header is None and not found:
        note([problem(1, "", Problem.EMPTY_FILE)])
    flush()
    return _conclude(rt, import_id, processed, found)


def _header_json(header: Header) -> str:
    return json.dumps({"names": header.names, "synonyms": header.synonyms}, ensure_ascii=False)


def _validate_in_sql(rt: Runtime, import_id: uuid.UUID, path: Path, encoding: str, today, expected: int,
                     progress: Progress | None) -> int | None:
    """PostgreSQL: the whole file checked set-based (`roster_sql`); its row count, or None when a row must
    be checked in Python (a problem to name, or a value the SQL does not judge)."""

    def moved(processed: int) -> None:
        _set(rt, import_id, rows_processed=processed)
        if progress:
            progress(processed, max(expected, processed))

    staged = roster_sql.validate(rt, import_id, path, encoding, today,
                                 lambda header: _set(rt, import_id, header_names=_header_json(header)), moved, BATCH)
    if staged is None:
        log.info("roster import %s: checking row by row", import_id)
        _set(rt, import_id, rows_processed=0, header_names=None)
    elif progress:
        progress(staged, max(expected, staged))
    return staged


def _conclude(rt: Runtime, import_id: uuid.UUID, processed: int, found: int) -> RosterImport:
    """The set-based checks, then ready (with what would change) or invalid (nothing staged is kept)."""
    now = rt.clock.now()

    def work(s: Session) -> RosterImport:
        problems = found
        if not problems:
            problems = roster_stage.check_staged(s, import_id, STORED_PROBLEMS)
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
        if to in ENDED_UNAPPLIED:
            roster_stage.clear(s, import_id)
            row.finished_at = now
        s.add(row)
        audit.record(s, actor, action, at=now, import_id=row.id)
        return row

    row = rt.db.write(work)
    if to in ENDED_UNAPPLIED:
        ended(row)
    return row


def confirm(rt: Runtime, actor: Actor, import_id: uuid.UUID) -> RosterImport:
    """Admins: a ready import is to be applied (status applying); `apply` does it."""
    return _transition(rt, actor, import_id, (Status.READY,), Status.APPLYING, "roster.confirm")


def cancel(rt: Runtime, actor: Actor, import_id: uuid.UUID) -> RosterImport:
    """Admins: drop an import that has not been applied; its staged rows go."""
    return _transition(rt, actor, import_id, (Status.PENDING, Status.READY), Status.CANCELLED, "roster.cancel")


def end_dry_run(rt: Runtime, actor: Actor, import_id: uuid.UUID) -> RosterImport:
    """A dry run's checked import ends here (dry_run, listed as such): nothing applied, staged rows gone."""
    return _transition(rt, actor, import_id, (Status.READY,), Status.DRY_RUN, "roster.dry_run")


def apply(rt: Runtime, actor: Actor, import_id: uuid.UUID, progress: Progress | None = None) -> RosterImport:
    """Apply a confirmed import in one transaction: done, or failed with nothing of it written."""
    now = rt.clock.now()
    _set(rt, import_id, worker=this_worker())

    def moved(done: int, total: int) -> None:
        _applied[import_id] = done
        if progress:
            progress(done, total)

    def work(s: Session) -> RosterImport:
        row = s.get(RosterImport, import_id, with_for_update=True)
        if row is None or row.status != Status.APPLYING:
            raise DomainError(ErrorCode.ROSTER_STATE, status=row.status if row else "missing")
        applied = roster_apply.apply(s, import_id, now, moved)
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
    finally:
        _applied.pop(import_id, None)
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


def interrupt_abandoned(rt: Runtime) -> int:
    """Mark interrupted every running import whose process is gone (run when the service starts): staff
    then see it stopped and upload the file again. How many were marked."""
    with rt.db.read() as s:
        running = s.exec(select(RosterImport.id, RosterImport.worker)
                         .where(RosterImport.status.in_([str(status) for status in RUNNING]))).all()
    marked = 0
    for import_id, worker in running:
        if worker_gone(worker):
            marked += _interrupt(rt, import_id)
    return marked


def _interrupt(rt: Runtime, import_id: uuid.UUID) -> int:
    now = rt.clock.now()

    def work(s: Session) -> RosterImport | None:
        row = s.get(RosterImport, import_id, with_for_update=True)
        if row is None or row.status not in RUNNING or not worker_gone(row.worker):
            return None  # ended meanwhile
        roster_stage.clear(s, import_id)
        row.sqlmodel_update(dict(status=Status.INTERRUPTED, finished_at=now, updated_at=now))
        s.add(row)
        return row

    row = rt.db.write(work)
    if row is None:
        return 0
    log.warning("roster import %s interrupted: its process %s is gone", import_id, row.worker)
    ended(row)
    return 1


# --- reads ---

def _header_names(row: RosterImport | None) -> dict[str, str]:
    return json.loads(row.header_names)["names"] if row is not None and row.header_names else {}


def header_of(row: RosterImport) -> tuple[dict[str, str], dict[str, str]]:
    """(canonical column -> the file's header text, the same for the columns named by a synonym)."""
    if not row.header_names:
        return {}, {}
    header = json.loads(row.header_names)
    return header["names"], header["synonyms"]


def column_header(names: dict[str, str], column: str, locale: str) -> str:
    """A problem's column as the file's header names it, or (a column the file lacks) by its usual name."""
    if not column:
        return ""
    return names.get(column) or gettext(locale, COLUMN_TITLES.get(column, column))



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


def problems_csv_header(locale: str) -> str:
    return csv_row(gettext(locale, title) for title in PROBLEM_CSV_HEADER)


def problem_csv_row(row_no: int, header: str, value: str | None, code: str, message: str) -> str:
    """One problem as a CSV line; every cell is safe from spreadsheet formula injection."""
    return csv_row((row_no, header, value, code, message))


def errors_csv(rt: Runtime, import_id: uuid.UUID, locale: str, chunk: int = 5000) -> Iterator[str]:
    """Every stored problem of an import as CSV text, headers in `locale`, produced chunk by chunk."""
    yield problems_csv_header(locale)
    names = _header_names(get(rt, import_id))
    offset = 0
    while True:
        with rt.db.read() as s:
            rows = errors(s, import_id, offset, chunk)
        yield "".join(problem_csv_row(e.row_no, column_header(names, e.column, locale), e.value, e.code,
                                      gettext(locale, e.message_id, **json.loads(e.params))) for e in rows)
        if len(rows) < chunk:
            return
        offset += chunk
