"""Monthly partitions of the ledger postings and settlement lines (PostgreSQL declarative partitioning).

On PostgreSQL `ledgerposting` and `settlementline` are partitioned by RANGE (`created_at`): one
partition per calendar month in China time (UTC+8), named `<table>_pYYYYMM`, and `<table>_default` for
a row outside every month created. Migration 0011 creates them; `yibao partitions --months N` creates
the coming months ahead (run it monthly). SQLite tables are not partitioned. See docs/scaling.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, text

from backend.clock import CHINA
from backend.domain.errors import N_
from backend.storage.models import compared_with_models

PARTITIONED = ("ledgerposting", "settlementline")
KEY = "created_at"
_PARTITION_NAME = re.compile(rf"^({'|'.join(PARTITIONED)})_(p\d{{6}}|default)$")


class PartitionError(Exception):
    """A month cannot get its partition: the default partition already holds rows of that month. Its
    English message id and parameters let the command line say it in its own language."""

    def __init__(self, message_id: str, **params: str) -> None:
        super().__init__(message_id.format(**params))
        self.message_id, self.params = message_id, params


_REFERENCING = text("""SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                       WHERE contype = 'f' AND confrelid = CAST(:table AS regclass) AND conparentid = 0""")


def is_partition(name: str) -> bool:
    """A partition's own table (not the partitioned table the models declare)."""
    return bool(_PARTITION_NAME.match(name))


def compared(object_, name: str, type_: str, _reflected, _compare_to) -> bool:
    """Alembic's `include_object`: compare the partitioned tables, not their partitions, nor the copies
    of a foreign key that PostgreSQL keeps for each partition of the table it refers to; nor what the
    models leave out (`compared_with_models`: the PostgreSQL-only search indexes)."""
    if not compared_with_models(object_, name, type_, _reflected, _compare_to):
        return False
    if type_ == "table":
        return not is_partition(name)
    if type_ == "foreign_key_constraint":
        return not is_partition(object_.referred_table.name)
    return True


def month_of(moment: datetime) -> tuple[int, int]:
    local = moment.astimezone(CHINA)
    return local.year, local.month


def add_months(month: tuple[int, int], count: int) -> tuple[int, int]:
    index = month[0] * 12 + month[1] - 1 + count
    return index // 12, index % 12 + 1


def month_start(month: tuple[int, int]) -> datetime:
    return datetime(month[0], month[1], 1, tzinfo=CHINA)


def partition_name(table: str, month: tuple[int, int]) -> str:
    return f"{table}_p{month[0]:04d}{month[1]:02d}"


def _exists(conn: Connection, name: str) -> bool:
    return conn.execute(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": f"public.{name}"}).scalar_one()


def create_default(conn: Connection, table: str) -> None:
    conn.execute(text(f'CREATE TABLE IF NOT EXISTS "{table}_default" PARTITION OF "{table}" DEFAULT'))


@dataclass
class Outcome:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # created with the rows the default partition held


def _move_out_of_default(conn: Connection, table: str, name: str, bounds: dict) -> None:
    """Give a month that already has rows in the default partition its own partition, rows and all.

    PostgreSQL cannot create the partition while the default one holds rows of its range, and a foreign
    key that refers to the table forbids deleting them there; so the keys referring to the table are
    dropped, the rows moved into a new table that is then attached, and the keys added back (checked
    again over the whole referring table). It locks the referring table meanwhile: a quiet hour's job.
    """
    keys = conn.execute(_REFERENCING, {"table": table}).all()
    for referring, key, _ in keys:
        conn.execute(text(f'ALTER TABLE {referring} DROP CONSTRAINT "{key}"'))
    conn.execute(text(f'CREATE TABLE "{name}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'))
    conn.execute(text(f'WITH moved AS (DELETE FROM "{table}_default" WHERE {KEY} >= :start AND {KEY} < :end '
                      f'RETURNING *) INSERT INTO "{name}" SELECT * FROM moved'), bounds)
    conn.execute(text(f'ALTER TABLE "{table}" ATTACH PARTITION "{name}" '
                      f"FOR VALUES FROM ('{bounds['start'].isoformat()}') TO ('{bounds['end'].isoformat()}')"))
    for referring, key, definition in keys:
        conn.execute(text(f'ALTER TABLE {referring} ADD CONSTRAINT "{key}" {definition}'))


def ensure_months(conn: Connection, first: tuple[int, int], count: int,
                  tables: tuple[str, ...] = PARTITIONED, *, move_from_default: bool = False) -> Outcome:
    """Create the partitions of `count` months from `first` for each table, where missing.

    A month whose rows already went into the default partition is refused, unless `move_from_default`
    (which locks; see `_move_out_of_default`): run this ahead, and the default partition stays empty.
    """
    outcome = Outcome()
    for table in tables:
        for i in range(count):
            month = add_months(first, i)
            name = partition_name(table, month)
            if _exists(conn, name):
                outcome.existing.append(name)
                continue
            start, end = month_start(month), month_start(add_months(month, 1))
            bounds = {"start": start, "end": end}
            if _exists(conn, f"{table}_default") and conn.execute(text(
                    f'SELECT EXISTS (SELECT 1 FROM "{table}_default" WHERE {KEY} >= :start AND {KEY} < :end)'),
                    bounds).scalar_one():
                if not move_from_default:
                    raise PartitionError(N_("{default} holds rows of {month}; {name} is not created "
                                            "(--move-from-default moves them; docs/scaling.md)"),
                                         default=f"{table}_default", month=f"{month[0]}-{month[1]:02d}", name=name)
                _move_out_of_default(conn, table, name, bounds)
                outcome.moved.append(name)
            else:
                conn.execute(text(f'CREATE TABLE "{name}" PARTITION OF "{table}" '
                                  f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"))
            outcome.created.append(name)
    return outcome
