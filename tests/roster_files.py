"""Roster files for the import tests: rows written as a bureau's extract would have them."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from backend.domain.idnumber import Sex, make_id_number
from backend.principals import SYSTEM, Actor, Channel
from backend.services.roster import roster

HEADER = ["id_number", "name", "phone", "insurance_type", "region_code", "status", "balance_yuan"]
CLI = Actor(SYSTEM, Channel.CLI)


def id_number(day: int, sequence: int = 1, region: str = "370102", sex: Sex = Sex.MALE) -> str:
    return make_id_number(region, date(1970, 1, 1).replace(year=1970 + day % 40, day=1 + day % 28), sequence, sex)


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def import_file(rt, path: Path, actor: Actor = CLI, *, confirm: bool = True, encoding: str | None = None):
    """Start, validate and (when it validates and `confirm`) apply, as the CLI does; the import row."""
    row, anew = roster.start(rt, actor, path, path.name, encoding)
    if anew:
        row = roster.validate(rt, row.id, path)
    if confirm and row.status == roster.Status.READY:
        roster.confirm(rt, actor, row.id)
        row = roster.apply(rt, actor, row.id)
    return row
