"""CSV for spreadsheets: every CSV the service writes goes through `csv_row`, so no cell can run as a formula.

A spreadsheet program runs a cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return,
which some treat the same) as a formula, so a value taken from an uploaded file or a person's record could
call out or run code on the reader's machine (CSV injection, OWASP). Such a cell is written with a leading
apostrophe, which spreadsheets show as text and do not display.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from backend.domain.errors import N_

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell's text, with an apostrophe in front when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_row(values: Iterable[object]) -> str:
    """One CSV line (with its line end) of safe cells."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([safe_cell(v) for v in values])
    return buffer.getvalue()


# --- Reading a file of rows staff upload (the roster, the catalogue): its header, problems by row and column ---

VALUE_MAX = 100  # what a problem keeps of the offending value


class FileProblem:
    """Codes of what can be wrong with any such file, whatever its columns."""

    MISSING_COLUMN = "MISSING_COLUMN"
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    DUPLICATE_COLUMN = "DUPLICATE_COLUMN"
    FIELD_COUNT = "FIELD_COUNT"
    REQUIRED = "REQUIRED"
    ENCODING = "ENCODING"
    EMPTY_FILE = "EMPTY_FILE"


FILE_MESSAGES = {
    FileProblem.MISSING_COLUMN: N_("The header lacks this column; nothing of the file was read."),
    FileProblem.UNKNOWN_COLUMN: N_("The header has a column this import does not know; rename or remove it "
                                      "(its values would otherwise be lost)."),
    FileProblem.DUPLICATE_COLUMN: N_("Two columns of the header mean the same; keep one."),
    FileProblem.FIELD_COUNT: N_("Fields in this row: {found}; in the header: {expected}."),  # right for any count
    FileProblem.REQUIRED: N_("Required."),
    FileProblem.ENCODING: N_("The file cannot be read as {encoding} from here on; give its encoding."),
    FileProblem.EMPTY_FILE: N_("The file has no header row."),
}


@dataclass(frozen=True)
class RowError:
    """A problem on a row (1 is the header) and column; `message_id` is a gettext id, `params` fill it;
    `value` is what the file had there."""

    row: int
    column: str
    code: str
    message_id: str
    params: dict[str, Any] = field(default_factory=dict)
    value: str | None = None


@dataclass(frozen=True)
class Header:
    """Where each canonical column sits, the header text the file used for it, which of those were
    synonyms (read as the column, and said so), and what is wrong with the header."""

    positions: dict[str, int]
    names: dict[str, str]
    synonyms: dict[str, str]
    errors: list[RowError]


def cut(value: str | None) -> str | None:
    return None if value is None else value[:VALUE_MAX]


@dataclass(frozen=True)
class Columns:
    """A file's columns: canonical name -> the header names a file may use for it, other names read as one
    of them (and said so), and the columns the header must have."""

    names: dict[str, tuple[str, ...]]
    synonyms: dict[str, str]
    required: tuple[str, ...]

    def read_header(self, header: list[str]) -> Header:
        """Read the header row: each cell must name a known column (or a synonym of one), once; every
        required column must be there. Its problems are about the header, never one per row."""
        by_name = {alias.lower(): column for column, aliases in self.names.items() for alias in aliases}
        positions: dict[str, int] = {}
        names: dict[str, str] = {}
        synonyms: dict[str, str] = {}
        errors: list[RowError] = []

        def problem(column: str, code: str, value: str | None = None) -> RowError:
            return RowError(1, column, code, FILE_MESSAGES[code], {}, cut(value))

        for at, cell in enumerate(header):
            text = cell.strip().lstrip("\ufeff").strip()
            key = text.lower()
            column = by_name.get(key) or self.synonyms.get(key)
            if column is None:
                errors.append(problem("", FileProblem.UNKNOWN_COLUMN, text or f"#{at + 1}"))
            elif column in positions:
                errors.append(problem(column, FileProblem.DUPLICATE_COLUMN, text))
            else:
                positions[column], names[column] = at, text
                if key not in by_name:
                    synonyms[column] = text
        errors += [problem(column, FileProblem.MISSING_COLUMN) for column in self.required if column not in positions]
        return Header(positions, names, synonyms, errors)
