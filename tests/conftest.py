"""Fixtures: every storage and API test runs on SQLite and on PostgreSQL (the matrix: docs/testing.md).

A test that asks for `rt` (or `database_url`) runs once per backend its markers choose:

| marker | backends |
|---|---|
| (none) | `sqlite`, `postgresql` |
| `serializable`: money or concurrency is at stake | also `postgresql-serializable` |
| `one_database`: the outcome cannot depend on the database | `sqlite` |

An explicit `@pytest.mark.parametrize("database_url", [...], indirect=True)` overrides the markers.

PostgreSQL is the server on 127.0.0.1:5432 (user postgres, database `test` for administration); each
run creates its own database, migrates it and loads the sample parameters once, and keeps a copy of
those seeded rows; before each test one statement batch empties every table and puts the seeded rows
back (about 3 ms, where TRUNCATE and a fresh import took 110-170 ms). The database commits with
`synchronous_commit = off`: nothing a test can see changes (only a crash of the PostgreSQL server
itself could lose the last commits), and a commit stops waiting 5 ms for the disk. The
`postgresql-serializable` variant sets `default_transaction_isolation = serializable`, so money and
concurrency tests also prove that every write survives serialization failures by retrying. Under
CI=true an unreachable PostgreSQL fails the run instead of skipping. With YIBAO_PGBOUNCER=1 (make
test-pgbouncer) the PostgreSQL variants connect through pgbouncer in transaction pooling mode, started
here (tests/pgbouncer.py), and only the tests marked `pooler` run.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from alembic import command
from alembic.config import Config
from hypothesis import settings
from sqlalchemy import create_engine, text

from backend import demo
from backend.clock import FrozenClock
from backend.config import PROJECT_ROOT, Settings
from backend.principals import SYSTEM, Actor, Channel
from backend.runtime import Runtime
from backend.services.catalogue import imports as catalogue_imports
from backend.services.region import parameters
from backend.storage.db import Database
from tests import pgbouncer
from web.app import create_app

PG_ADMIN_URL = os.environ.get("YIBAO_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgresql"]
SERIALIZABLE = "postgresql-serializable"
PRISTINE = "pristine"  # the schema holding a copy of the rows every test starts with
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

# Property tests and fuzzers draw the same examples on every run, in CI and locally, so a failure is
# the code's and replays by itself. A campaign (docs/operations.md, "Fuzzing") asks for fresh ones.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("campaign", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

if pgbouncer.enabled():
    # Read by every Settings, here and in the app and CLI processes the tests start.
    os.environ["DATABASE_TRANSACTION_POOLING"] = "true"


def migrate(url: str) -> None:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def test_settings(url: str) -> Settings:
    return Settings(database_url=url, secret_key="test-secret", password_time_cost=1,
                    password_memory_cost_kib=1024, yibao_env="development")


def import_samples(db: Database) -> None:
    """The sample settlement parameters and the sample catalogue, loaded the way `make run` loads them
    (yibao import-parameters, yibao import-catalogue). Institutions' item mappings are each test's own
    (tests.helpers.approve_mappings)."""
    rt = Runtime(db=db, settings=test_settings(str(db.engine.url)), clock=FrozenClock(START))
    parameters.import_file(rt, Actor(SYSTEM, Channel.CLI), parameters.SAMPLES)
    catalogue_imports.import_file(rt, Actor(SYSTEM, Channel.CLI), catalogue_imports.SAMPLES)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrate(f"sqlite:///{path}")
    db = Database.from_url(f"sqlite:///{path}")
    try:
        import_samples(db)
    finally:
        db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database():
    name = f"yibao_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true and is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable ({exc.__class__.__name__}); CI runs these")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        # Every connection to the test database, direct, pooled or from a served app's process.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    migrate(url)
    db = Database.from_url(url)
    import_samples(db)
    _keep_pristine_rows(db, url)
    yield url
    db.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_bouncer(pg_database, tmp_path_factory):
    if not os.access(pgbouncer.PGBOUNCER, os.X_OK):
        if IN_CI or pgbouncer.enabled():
            pytest.fail(f"{pgbouncer.PGBOUNCER} is required (make pgbouncer installs Debian's package)")
        pytest.skip("pgbouncer is not installed; CI runs these")
    bouncer = pgbouncer.PgBouncer(pg_database, tmp_path_factory.mktemp("pgbouncer"))
    bouncer.start()
    yield bouncer
    bouncer.stop()


def _keep_pristine_rows(db: Database, url: str) -> None:
    """Copy the rows every test starts with (the sample parameters and their import's audit event) into
    the `pristine` schema, and store the statement batch that resets the database to them."""
    with db.engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "AND c.relname <> 'alembic_version' ORDER BY c.relname"))]
        conn.execute(text(f"CREATE SCHEMA {PRISTINE}"))
        seeded = [t for t in tables if conn.execute(text(f'SELECT EXISTS (SELECT FROM "{t}")')).scalar()]
        for table in seeded:
            conn.execute(text(f'CREATE TABLE {PRISTINE}."{table}" AS TABLE "{table}"'))
    # Foreign keys are not checked while the tables are emptied and refilled (replica role, this
    # transaction only): the order of the statements does not matter.
    _RESET[url] = db, " ".join(
        ["SET LOCAL session_replication_role = replica;"]
        + [f'DELETE FROM "{t}";' for t in tables]
        + [f'INSERT INTO "{t}" SELECT * FROM {PRISTINE}."{t}";' for t in seeded])


_RESET: dict[str, tuple[Database, str]] = {}  # the session's test database: its engine and reset batch


def _reset_to_pristine(pg_url: str) -> None:
    db, batch = _RESET[pg_url]
    with db.engine.begin() as conn:
        conn.exec_driver_sql(batch)


def _markers(definition) -> set[str]:
    return {m.name for m in definition.iter_markers()}


def _backends(definition) -> list[str]:
    marks = _markers(definition)
    if "one_database" in marks:
        return ["sqlite"]
    if "serializable" in marks:
        return [*BACKENDS, SERIALIZABLE]
    return list(BACKENDS)


def pytest_generate_tests(metafunc) -> None:
    """Parametrize `database_url` by the test's markers, unless the test parametrizes it itself."""
    if "database_url" not in metafunc.fixturenames:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if "database_url" in (names.replace(" ", "").split(",") if isinstance(names, str) else names):
            return
    metafunc.parametrize("database_url", _backends(metafunc.definition), indirect=True)


def pytest_collection_modifyitems(config, items) -> None:
    """Under YIBAO_PGBOUNCER=1 only what the pooler can break runs: tests marked `pooler`, on PostgreSQL."""
    if not pgbouncer.enabled():
        return
    keep, drop = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        backend = params.params.get("database_url") if params else None
        pooled = item.get_closest_marker("pooler") is not None and backend in (None, "postgresql", SERIALIZABLE)
        (keep if pooled else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "yibao.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    pg_url = request.getfixturevalue("pg_database")
    _reset_to_pristine(pg_url)
    if pgbouncer.enabled():
        return request.getfixturevalue("pg_bouncer").url(serializable=request.param == SERIALIZABLE)
    if request.param == SERIALIZABLE:
        return pg_url + "?options=-c%20default_transaction_isolation%3Dserializable"
    return pg_url


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def rt(database_url, clock):
    settings = test_settings(database_url)
    db = Database.from_url(database_url, transaction_pooling=settings.database_transaction_pooling)
    runtime = Runtime(db=db, settings=settings, clock=clock)
    yield runtime
    db.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(rt):
    """The app served by uvicorn on a free port, on demo data, in a thread."""
    demo.seed(rt)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(rt), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


