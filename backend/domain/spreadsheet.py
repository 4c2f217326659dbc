"""CSV for spreadsheets: every CSV the service writes goes through `csv_row`, so no cell can run as a formula.

A spreadsheet program runs a cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return,
which some treat the same) as a formula, so a value taken from an uploaded file or a person's record could
call out or run code on the reader's machine (CSV injection, OWASP). Such a cell is written with a leading
apostrophe, which spreadsheets show as text and do not display.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

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


def csv_lines(rows: Iterable[Iterable[object]], chunk: int = 1000) -> Iterator[str]:
    """Many CSV lines of safe cells (as `csv_row` writes each), `chunk` lines to a string, one writer for
    them all: a 100,000-row file is written without a writer per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for n, values in enumerate(rows, start=1):
        writer.writerow([safe_cell(v) for v in values])
        if n % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
