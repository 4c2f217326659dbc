"""A partner's detail file in, the result file out.

Read with the roster import's machinery (`roster_file`: the encoding, UTF-8 or GB18030, and the records
as a stream; `domain/roster.py`: the header and problems by row and column); written through
`domain/spreadsheet.py`, so no cell can run as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.reconciliation import (
    DetailResult,
    DetailRow,
    check_row,
    duplicates,
    read_header,
    settlement_global_id,
)
from backend.domain.roster import Header, Problem, RowError, problem
from backend.domain.spreadsheet import csv_row
from backend.services.reconciliation.reconcile import DetailFileInvalid
from backend.services.roster.roster_file import Records, detect_encoding, normalize_encoding
from backend.services.roster.roster_jobs import spool

KEPT_PROBLEMS = 100  # problems an invalid file reports (the count is of all of them)
RESULT_HEADER = ("settlement_id", "visit_id", "person", "result", "memo", "bill_yuan", "fund_yuan", "account_yuan",
                 "refunded", "partner_bill_yuan", "partner_fund_yuan", "partner_account_yuan", "partner_refunded")


def encoding_of(path: Path, declared: str | None) -> str:
    if declared:
        encoding = normalize_encoding(declared)
        if encoding is None:
            raise DomainError(ErrorCode.INVALID_INPUT, field="encoding")
        return encoding
    return detect_encoding(path)


def read_detail_file(path: Path, encoding: str | None = None) -> list[DetailRow]:
    """Every row of the file, or DetailFileInvalid naming the problems by row and column (and nothing else
    happens). `encoding` is utf-8 or gb18030, detected when omitted."""
    encoding = encoding_of(path, encoding)
    rows: list[DetailRow] = []
    problems: list[RowError] = []
    found = 0
    header: Header | None = None
    width = number = 1

    def note(errors: list[RowError]) -> None:
        nonlocal found
        problems.extend(errors[:max(KEPT_PROBLEMS - len(problems), 0)])
        found += len(errors)

    try:
        for number, fields in Records(path, encoding):
            if header is None:
                header, width = read_header(fields), len(fields)
                note(header.errors)
                if header.errors:
                    break
                continue
            row, errors = check_row(number, fields, header, width)
            if errors:
                note(errors)
            elif not found:
                rows.append(row)
    except UnicodeDecodeError:
        note([problem(number + 1, "", Problem.ENCODING, encoding=encoding)])
    except csv.Error as broken:
        note([RowError(number + 1, "", Problem.FIELD_COUNT, str(broken))])
    if header is None and not found:
        note([problem(1, "", Problem.EMPTY_FILE)])
    if not found:
        note(duplicates(rows))
    if found:
        raise DetailFileInvalid(problems, found)
    return rows


def _yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _flag(value: bool | None) -> str:
    return "" if value is None else ("1" if value else "0")


def memo(result: DetailResult) -> str:
    """What a result row says beside its code: the fields that differ, or the day a settlement only the
    partner has in this range was made on."""
    if result.differences:
        return ";".join(result.differences)
    if result.settled_at_day is not None:
        return f"settled {result.settled_at_day.isoformat()}"
    return ""


def result_rows(results: Iterable[DetailResult]) -> Iterator[str]:
    """The result file (3202's result rows) as CSV lines, header first: amounts in yuan, flags 0 / 1."""
    yield csv_row(RESULT_HEADER)
    for r in results:
        ours, theirs = r.ours, r.theirs
        yield csv_row((settlement_global_id(r.settlement_id), r.visit_id or "", r.person or "", int(r.outcome),
                       memo(r), _yuan(ours and ours.bill_fen), _yuan(ours and ours.fund_fen),
                       _yuan(ours and ours.account_fen), _flag(ours and ours.refunded),
                       _yuan(theirs and theirs.bill_fen), _yuan(theirs and theirs.fund_fen),
                       _yuan(theirs and theirs.account_fen), _flag(theirs and theirs.refunded)))


def read_detail_upload(source: BinaryIO, encoding: str | None = None) -> list[DetailRow]:
    """`read_detail_file` of an uploaded file (spooled to a temporary file, deleted after reading)."""
    path = spool(source)
    try:
        return read_detail_file(path, encoding)
    finally:
        path.unlink(missing_ok=True)
