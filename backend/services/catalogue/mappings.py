"""Institutions' item mappings (目录对照, R18): a partner submits its item code -> national code, staff
(clerk or admin) approve or reject each with a reason, and the partner reads its own. Every change
leaves an audit event.

A submission is pending until decided. At most one mapping per item code is pending and one approved:
a new submission replaces a pending one (superseded), approving replaces the approved one (superseded),
the approved mapping submitted again withdraws a pending one, and the same mapping again changes nothing.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, or_, select, update
from sqlmodel import Session

from backend.domain.catalogue import MappingStatus
from backend.domain.catalogue_file import (
    CODE_MAX,
    MAPPING_COLUMNS,
    MappingProblem,
    MappingRow,
    check_mapping_row,
    is_comment,
    mapping_problem,
)
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.settlement import MAX_ITEM_CODE_LENGTH, MAX_ITEM_NAME_LENGTH
from backend.domain.spreadsheet import RowError
from backend.domain.text import clean_reason, has_control_characters
from backend.policy import is_clerk_or_admin
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.platform import audit
from backend.services.roster.roster_file import Records, detect_encoding, normalize_encoding
from backend.storage.models import CatalogueEntry, Institution, ItemMapping

_mapping = ItemMapping.__table__
_entry = CatalogueEntry.__table__
_institution = Institution.__table__
MAX_SUBMISSION = 5000  # mappings in one submission (a file or one graph call)
LIVE = (MappingStatus.PENDING.value, MappingStatus.APPROVED.value)


@dataclass(frozen=True)
class Submission:
    item_code: str
    national_code: str
    item_name: str | None = None


def clean_item_code(raw: str, *, field: str = "itemCode", max_length: int = MAX_ITEM_CODE_LENGTH) -> str:
    code = (raw or "").strip()
    if not 0 < len(code) <= max_length or has_control_characters(code):
        raise DomainError(ErrorCode.ITEM_CODE_INVALID, field=field, max=max_length)
    return code


def clean_submission(item: Submission) -> Submission:
    """The submission trimmed, or a typed refusal naming its field."""
    name = (item.item_name or "").strip() or None
    if name is not None and (len(name) > MAX_ITEM_NAME_LENGTH or has_control_characters(name)):
        raise DomainError(ErrorCode.LINE_TEXT_INVALID, field="itemName", line=1, max_code=MAX_ITEM_CODE_LENGTH,
                          max_name=MAX_ITEM_NAME_LENGTH)
    return Submission(clean_item_code(item.item_code),
                      clean_item_code(item.national_code, field="nationalCode", max_length=CODE_MAX), name)


def known_codes(s: Session, codes: Sequence[str]) -> set[str]:
    """Which of the national codes the catalogue has (in any version)."""
    if not codes:
        return set()
    return set(s.connection().execute(
        select(_entry.c.national_code).where(_entry.c.national_code.in_(sorted(set(codes)))).distinct()).scalars())


def _require_partner(actor: Actor) -> uuid.UUID:
    if not actor.principal.is_partner or actor.principal.id is None:
        raise DomainError(ErrorCode.NOT_ALLOWED)
    return actor.principal.id


def submit_in(s: Session, actor: Actor, institution_id: uuid.UUID, items: Sequence[Submission], *,
              at) -> list[ItemMapping]:
    """Record checked submissions in the caller's transaction; the mappings each one now is (pending, or the
    live one it already was). Refuses, writing nothing, a national code the catalogue lacks or an item code
    given twice."""
    seen: set[str] = set()
    for item in items:
        if item.item_code in seen:
            raise DomainError(ErrorCode.INVALID_INPUT, field="itemCode")
        seen.add(item.item_code)
    # One submission of an institution at a time: two of the same new item code would both find none live.
    s.connection().execute(select(_institution.c.id).where(_institution.c.id == institution_id).with_for_update())
    missing = sorted({i.national_code for i in items} - known_codes(s, [i.national_code for i in items]))
    if missing:
        raise DomainError(ErrorCode.CATALOGUE_CODE_UNKNOWN, field="nationalCode", national_code=missing[0])
    live = {(m.item_code, m.status): m for m in s.exec(
        select(ItemMapping).where(ItemMapping.institution_id == institution_id,
                                  ItemMapping.item_code.in_(sorted(seen)),
                                  ItemMapping.status.in_(LIVE)).with_for_update()).scalars()} if items else {}
    result: list[ItemMapping] = []
    events = []
    for item in items:
        pending = live.get((item.item_code, MappingStatus.PENDING.value))
        approved = live.get((item.item_code, MappingStatus.APPROVED.value))
        if pending is not None and pending.national_code == item.national_code:
            result.append(pending)  # already so: nothing changes
            continue
        if pending is not None:  # no longer wanted: the partner asks for something else now
            pending.status = MappingStatus.SUPERSEDED.value
            s.add(pending)
            s.flush()  # the pending index holds one per item code
        if approved is not None and approved.national_code == item.national_code:
            result.append(approved)  # back to what is approved: only the pending one (if any) goes
            if pending is not None:
                events.append(audit.event(actor, "catalogue.mapping_withdraw", at=at, mapping_id=pending.id,
                                          institution_id=institution_id, item_code=item.item_code,
                                          national_code=pending.national_code))
            continue
        row = ItemMapping(institution_id=institution_id, item_code=item.item_code, item_name=item.item_name,
                          national_code=item.national_code, status=MappingStatus.PENDING.value, submitted_at=at,
                          submitted_via=actor.channel.value)
        s.add(row)
        result.append(row)
        events.append(audit.event(actor, "catalogue.mapping_submit", at=at, mapping_id=row.id,
                                  institution_id=institution_id, item_code=item.item_code,
                                  national_code=item.national_code,
                                  replaced=str(pending.id) if pending is not None else None))
    s.flush()
    if events:
        audit.write(s, events)
    return result


def submit(rt: Runtime, actor: Actor, items: Sequence[Submission]) -> list[ItemMapping]:
    """A partner submits mappings of its own item codes; all or nothing."""
    institution_id = _require_partner(actor)
    if not items:
        raise DomainError(ErrorCode.INVALID_INPUT, field="mappings")
    if len(items) > MAX_SUBMISSION:
        raise DomainError(ErrorCode.PAGE_SIZE, field="mappings", max=MAX_SUBMISSION)
    cleaned = [clean_submission(item) for item in items]
    return rt.db.write(lambda s: submit_in(s, actor, institution_id, cleaned, at=rt.clock.now()))


def decide(rt: Runtime, actor: Actor, mapping_id: uuid.UUID, *, approve: bool,
           reason: str | None = None) -> ItemMapping:
    """Staff (clerk or admin) approve or reject a pending mapping; a rejection needs a reason, an approval
    may have one. Approving replaces the item code's approved mapping, if any."""
    if not is_clerk_or_admin(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)
    why = clean_reason(reason) if not approve or (reason or "").strip() else None
    now = rt.clock.now()

    def work(s: Session) -> ItemMapping:
        row = s.get(ItemMapping, mapping_id, with_for_update=True)
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="id")
        if row.status != MappingStatus.PENDING.value:
            raise DomainError(ErrorCode.MAPPING_NOT_PENDING, field="id")
        replaced = None
        if approve:
            replaced = s.connection().execute(
                update(_mapping).where(_mapping.c.institution_id == row.institution_id,
                                       _mapping.c.item_code == row.item_code,
                                       _mapping.c.status == MappingStatus.APPROVED.value)
                .values(status=MappingStatus.SUPERSEDED.value).returning(_mapping.c.id)).scalar()
        row.sqlmodel_update(dict(status=(MappingStatus.APPROVED if approve else MappingStatus.REJECTED).value,
                                 decided_by=actor.principal.id, decided_at=now, reason=why))
        s.add(row)
        s.flush()
        audit.record(s, actor, "catalogue.mapping_approve" if approve else "catalogue.mapping_reject", at=now,
                     mapping_id=row.id, institution_id=row.institution_id, item_code=row.item_code,
                     national_code=row.national_code, reason=why, replaced=replaced)
        return row

    return rt.db.write(work)


MAX_PROBLEMS = 200  # what a mapping file's answer lists at most


def read_mapping_file(path: Path, encoding: str | None = None) -> tuple[list[tuple[int, MappingRow]], list[RowError]]:
    """A mapping file's rows, each checked on its own and against the others (an item code once), or its
    problems by row and column (at most MAX_PROBLEMS)."""
    declared = normalize_encoding(encoding) if encoding else detect_encoding(path)
    if declared is None:
        raise DomainError(ErrorCode.INVALID_INPUT, field="encoding")
    rows: list[tuple[int, MappingRow]] = []
    problems: list[RowError] = []
    header = None
    width = number = 1
    try:
        for number, fields in Records(path, declared):
            if is_comment(fields):
                continue
            if header is None:
                header, width = MAPPING_COLUMNS.read_header(fields), len(fields)
                problems += header.errors
                if header.errors:
                    break
                continue
            if len(rows) >= MAX_SUBMISSION:
                raise DomainError(ErrorCode.PAGE_SIZE, field="file", max=MAX_SUBMISSION)
            row, errors = check_mapping_row(number, fields, header.positions, width,
                                            item_code_max=MAX_ITEM_CODE_LENGTH, item_name_max=MAX_ITEM_NAME_LENGTH)
            problems += errors
            if row is not None:
                rows.append((number, row))
            if len(problems) >= MAX_PROBLEMS:
                break
    except UnicodeDecodeError:
        problems.append(mapping_problem(number + 1, "", MappingProblem.ENCODING, encoding=declared))
    except csv.Error as broken:
        problems.append(RowError(number + 1, "", MappingProblem.FIELD_COUNT, str(broken)))
    if header is None and not problems:
        problems.append(mapping_problem(1, "", MappingProblem.EMPTY_FILE))
    first: dict[str, int] = {}
    for row_no, row in rows:
        if row.item_code in first:
            problems.append(mapping_problem(row_no, "item_code", MappingProblem.DUPLICATE_ITEM, row.item_code,
                                            other=first[row.item_code]))
        first.setdefault(row.item_code, row_no)
    return rows, problems[:MAX_PROBLEMS]


def submit_file(rt: Runtime, actor: Actor, path: Path, encoding: str | None = None
                ) -> tuple[list[ItemMapping], list[RowError]]:
    """A partner submits its mappings as a CSV file (item_code, national_code, item_name), all or nothing:
    the mappings it now has for those codes, or the file's problems by row and column (nothing written)."""
    institution_id = _require_partner(actor)
    rows, problems = read_mapping_file(path, encoding)
    if not problems and not rows:
        raise DomainError(ErrorCode.INVALID_INPUT, field="file")
    now = rt.clock.now()

    def work(s: Session) -> tuple[list[ItemMapping], list[RowError]]:
        known = known_codes(s, [row.national_code for _, row in rows])
        unknown = [mapping_problem(row_no, "national_code", MappingProblem.CODE_UNKNOWN, row.national_code)
                   for row_no, row in rows if row.national_code not in known]
        if problems or unknown:
            return [], sorted(problems + unknown, key=lambda e: (e.row, e.column))[:MAX_PROBLEMS]
        return submit_in(s, actor, institution_id, [Submission(r.item_code, r.national_code, r.item_name)
                                                    for _, r in rows], at=now), []

    return rt.db.write(work)


# --- reads ---

def mappings(s: Session, *, institution_id: uuid.UUID | None = None, statuses: Sequence[str] = (),
             search: str = "", offset: int = 0, limit: int = 50) -> tuple[list[ItemMapping], int]:
    """Mappings, newest first: of one institution (a partner's own), of some statuses, whose item or
    national code starts with `search` (or whose name has it); and how many there are in all."""
    conditions = []
    if institution_id is not None:
        conditions.append(ItemMapping.institution_id == institution_id)
    if statuses:
        conditions.append(ItemMapping.status.in_(list(statuses)))
    text = search.strip()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(or_(ItemMapping.item_code.startswith(text, autoescape=True),
                              ItemMapping.national_code.startswith(text, autoescape=True),
                              ItemMapping.item_name.like(f"%{escaped}%", escape="\\")))
    rows = s.exec(select(ItemMapping).where(*conditions)
                  .order_by(ItemMapping.submitted_at.desc(), ItemMapping.item_code, ItemMapping.id)
                  .offset(offset).limit(limit)).scalars().all()
    total = s.exec(select(func.count()).select_from(ItemMapping).where(*conditions)).scalar_one()
    return list(rows), total


def get(rt: Runtime, mapping_id: uuid.UUID) -> ItemMapping:
    with rt.db.read() as s:
        row = s.get(ItemMapping, mapping_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="id")
    return row
