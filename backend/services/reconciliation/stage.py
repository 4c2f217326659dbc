"""The partner's rows, staged for one detail reconciliation in a temporary table of the read's own
transaction (COPY on PostgreSQL, executemany on SQLite), so the comparison is one join in SQL.

Nothing persistent is written: on PostgreSQL the table goes at commit (`ON COMMIT DROP`), on SQLite
`drop` removes it from the connection before it returns to the pool.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData, String, Table, Uuid, insert
from sqlalchemy.engine import Connection

from backend.domain.reconciliation import REFERENCE_MAX, DetailRow

STAGE = Table(
    "reconcile_stage", MetaData(),
    Column("settlement_id", Uuid, primary_key=True),
    Column("row_no", Integer),
    Column("bill_fen", BigInteger, nullable=False),
    Column("fund_fen", BigInteger, nullable=False),
    Column("account_fen", BigInteger, nullable=False),
    Column("refunded", Boolean, nullable=False),
    Column("visit_id", String(REFERENCE_MAX)),
    Column("person", String(REFERENCE_MAX)),
    prefixes=["TEMPORARY"], postgresql_on_commit="DROP",
)
COLUMNS = tuple(c.name for c in STAGE.columns)


def _values(number: int, row: DetailRow) -> tuple:
    return (row.settlement_id, row.row if row.row is not None else number, row.bill_fen, row.fund_fen,
            row.account_fen, row.refunded, row.visit_id, row.person)


def stage(conn: Connection, rows: Sequence[DetailRow]) -> Table:
    """Create the table in this transaction and fill it; the rows' settlement ids must be distinct."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DROP TABLE IF EXISTS temp.reconcile_stage")
    STAGE.create(conn)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY reconcile_stage ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for number, row in enumerate(rows, start=2):
                copy.write_row(_values(number, row))
        conn.exec_driver_sql("ANALYZE reconcile_stage")  # else the planner takes it for empty
    elif rows:
        conn.execute(insert(STAGE), [dict(zip(COLUMNS, _values(n, r), strict=True))
                                     for n, r in enumerate(rows, start=2)])
    return STAGE


def drop(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DROP TABLE IF EXISTS temp.reconcile_stage")
