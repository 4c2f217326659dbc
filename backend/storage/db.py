"""Engines and transactions for SQLite (embedded default) and PostgreSQL.

A write transaction is one call of `Database.write(work)`: on SQLite it starts with
`BEGIN IMMEDIATE` (so concurrent writers queue on the busy timeout instead of failing at commit);
on PostgreSQL a serialization failure or deadlock reruns the whole unit of work.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, any_, bindparam, create_engine, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlmodel import Session

log = logging.getLogger(__name__)
T = TypeVar("T")
S = TypeVar("S")

_RETRY_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_MAX_ATTEMPTS = 30


def _install_sqlite_transaction_control(engine: Engine) -> None:
    # SQLAlchemy's pysqlite recipe: stop the driver's own lazy BEGIN, emit ours.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        immediate = conn.get_execution_options().get("yibao_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# A pooled connection idle longer than this is pinged before use; one used more recently is not.
PING_AFTER_IDLE_SECONDS = 1.0


def _install_ping_after_idle(engine: Engine) -> None:
    """SQLAlchemy's `pool_pre_ping`, but only for connections that sat idle in the pool: the ping is a round
    trip (and a wake-up of a PostgreSQL backend) before every transaction, about one in eight of a
    settlement's (docs/performance.md). A connection checked in moments ago was working moments ago; one
    left idle may have been closed by a server restart, a pooler or a firewall, and is pinged as before
    (a failed ping replaces it, `DisconnectionError` being the pool's signal to connect afresh). A
    connection that breaks while in use is invalidated with every other of its pool, as with pre-ping."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since <= PING_AFTER_IDLE_SECONDS:
            return  # a new connection, or one just used
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as failure:  # noqa: BLE001 - whatever the ping met, the connection is not usable
            raise DisconnectionError(str(failure)) from failure
        if not alive:
            raise DisconnectionError("ping failed")


def create_db_engine(url: str, *, pool_size: int = 10, transaction_pooling: bool = False) -> Engine:
    """An engine for `url`. `transaction_pooling`: the server behind `url` is a transaction-mode pooler
    (pgbouncer), which hands each transaction to any server connection, so psycopg must not prepare
    statements (a prepared statement lives on one server connection)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        _install_sqlite_transaction_control(engine)
        return engine
    connect_args = {"prepare_threshold": None} if transaction_pooling else {}
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, connect_args=connect_args)
    _install_ping_after_idle(engine)
    # Rows inserted together (a settlement's lines, payments, postings, audit events) go as one
    # multi-row INSERT, not psycopg's pipelined executemany: one round trip, and measured cheaper in
    # CPU per settlement (docs/performance.md).
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def _is_retryable(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _RETRY_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


class Database:
    """One engine, a read session and a retried write unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(yibao_write=True)
        # SQLite's transactions are ours (`BEGIN` in the begin hook), and a read one costs no round trip.
        self._autocommit_engine = (engine if engine.dialect.name == "sqlite"
                                   else engine.execution_options(isolation_level="AUTOCOMMIT"))

    @classmethod
    def from_url(cls, url: str, *, transaction_pooling: bool = False) -> Database:
        return cls(create_db_engine(url, transaction_pooling=transaction_pooling))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session
            end_read(session)

    @contextmanager
    def read_now(self) -> Iterator[Connection]:
        """A connection for reads that need no consistent view across statements (each statement sees
        the data as it is when it runs): in autocommit on PostgreSQL, so no `BEGIN` and `ROLLBACK` round
        trips around them. Every partner request reads its API key this way."""
        with self._autocommit_engine.connect() as connection:
            yield connection

    def write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction and commit once; rerun it whole on a serialization failure."""
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                with Session(self._write_engine, expire_on_commit=False) as session:
                    with session.begin():
                        result = work(session)
                    return result
            except DBAPIError as exc:
                if not _is_retryable(exc) or attempt == _MAX_ATTEMPTS:
                    raise
                log.info("retrying transaction after %s (attempt %d)", exc.orig, attempt)
                # Jittered exponential backoff, so colliding writers do not collide again in step.
                time.sleep(random.uniform(0, min(0.2, 0.002 * 2 ** min(attempt, 7))))
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()


def end_read(session: Session) -> None:
    """End a read transaction with COMMIT, which for reads is what a rollback is: psycopg forgets every
    statement it prepared on a connection when that connection rolls back (`DEALLOCATE ALL`), so reads
    ended by the rollback of `Session.close()` had PostgreSQL plan each of their statements afresh, every
    request (docs/performance.md). A session holding unwritten changes still rolls back: a read never
    writes."""
    try:
        if session.in_transaction() and not (session.new or session.dirty or session.deleted):
            session.commit()
    finally:
        session.close()


def insert_ignoring(session: Session, model):
    """The dialect's INSERT, which knows ON CONFLICT (DO NOTHING, DO UPDATE) on both databases."""
    return dialect_insert(session.get_bind().dialect.name)(model)


def dialect_insert(dialect: str):
    """`insert` of the dialect named (`postgresql` or `sqlite`), for statements with ON CONFLICT."""
    return pg_insert if dialect == "postgresql" else sqlite_insert


def one_of(column, name: str, dialect: str):
    """SQL: `column` is one of the list bound as `name`. On PostgreSQL `= ANY(array)`, one statement
    whatever the list's length (prepared once); elsewhere an expanding IN."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def per_dialect(build: Callable[[str], S]) -> Callable[[Connection], S]:
    """A statement built once per dialect and then reused: on a hot path, building a statement (and its
    cache key) costs more than running it. `build(dialect_name)` makes it; the result takes the
    connection it will run on and answers the statement for that connection's dialect."""
    built: dict[str, S] = {}

    def statement(connection: Connection) -> S:
        name = connection.dialect.name
        found = built.get(name)
        if found is None:
            found = built[name] = build(name)
        return found

    return statement


def insert_missing(session: Session, model, **values) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: create a row unless a concurrent writer already has."""
    session.exec(insert_ignoring(session, model).values(**values).on_conflict_do_nothing())
