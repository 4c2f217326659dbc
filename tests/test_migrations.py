"""The migrations build exactly the tables the models declare (what `alembic check` checks), and the
partitioning migration keeps every row on its way down and up again."""

import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select, text
from sqlmodel import SQLModel

from backend.clock import FrozenClock
from backend.config import PROJECT_ROOT
from backend.principals import Actor, Channel
from backend.runtime import Runtime
from backend.services.money import settlement
from backend.services.money.ledger_check import verify
from backend.storage import partitions
from backend.storage.db import Database
from backend.storage.models import LedgerPosting, SettlementLine, SettlementPayment
from backend.storage.partitions import compared
from tests.conftest import PG_ADMIN_URL, START, import_samples, migrate
from tests.conftest import test_settings as settings_for
from tests.money import assert_ledger_balanced, grant, jinan_family, line, settle_for


def test_models_and_migrations_agree(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            # A month's partition is the partitioned table's storage, not a table of its own.
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": compared})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_url(request, tmp_path):
    """A database of its own at head, which a test may migrate down and up again."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'scratch.db'}"
        migrate(url)
        yield url
        return
    request.getfixturevalue("pg_database")  # skips, or fails under CI, when PostgreSQL is not there
    name = f"yibao_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _alembic(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def _rows(rt) -> tuple:
    with rt.db.engine.connect() as conn:
        return tuple(conn.execute(select(func.count(), func.sum(m.amount_fen))).one()
                     for m in (LedgerPosting, SettlementLine, SettlementPayment))


def _partitioned(rt, table: str) -> bool:
    with rt.db.engine.connect() as conn:
        return conn.execute(text("SELECT relkind FROM pg_class WHERE relname = :t"), {"t": table}).scalar_one() == "p"


def test_the_partitioning_migration_keeps_every_row_down_and_up(scratch_url):
    cfg = _alembic(scratch_url)
    partitioning = next(r for r in ScriptDirectory.from_config(cfg).walk_revisions()
                        if (r.doc or "").startswith("monthly partitions"))
    rt = Runtime(db=Database.from_url(scratch_url), settings=settings_for(scratch_url), clock=FrozenClock(START))
    import_samples(rt.db)
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter)
    settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("A", 150_00), line("NON_MEDICAL", 10_00, code="N")])
    before = _rows(rt)
    postgresql = rt.db.dialect == "postgresql"
    rt.db.dispose()

    command.downgrade(cfg, partitioning.down_revision)
    with rt.db.engine.connect() as conn:
        assert "created_at" not in {c["name"] for c in inspect(conn).get_columns("ledgerposting")}
        counts = [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("ledgerposting", "settlementline", "settlementpayment")]
    assert counts == [n for n, _ in before]
    if postgresql:
        assert not _partitioned(rt, "ledgerposting") and not _partitioned(rt, "settlementline")
    rt.db.dispose()

    command.upgrade(cfg, "head")
    assert _rows(rt) == before
    assert_ledger_balanced(rt)
    assert verify(rt.db).ok
    if postgresql:
        for table in partitions.PARTITIONED:
            assert _partitioned(rt, table)
            with rt.db.engine.connect() as conn:
                # The months of existing rows get partitions: nothing is left in the default one.
                assert conn.execute(text(f"SELECT count(*) FROM {table}_p202603")).scalar_one() > 0
                assert conn.execute(text(f"SELECT count(*) FROM {table}_default")).scalar_one() == 0
    rt.db.dispose()


def test_the_roster_feedback_migration_ends_imports_left_running_and_names_dry_runs(tmp_path):
    url = f"sqlite:///{tmp_path / 'roster.db'}"
    cfg = _alembic(url)
    command.upgrade(cfg, "0011")
    engine = create_engine(url)
    ids = {}
    with engine.begin() as conn:
        staff_id = uuid.uuid4().hex
        conn.execute(text("INSERT INTO staffuser (id, username, name, role, password_hash, active, created_at) "
                          "VALUES (:id, 'a', 'a', 'admin', 'x', 1, '2026-01-01')"), {"id": staff_id})
        for status, by in (("validating", None), ("applying", None), ("cancelled", None), ("cancelled", staff_id),
                           ("done", None)):
            ids[status, by] = uuid.uuid4().hex
            conn.execute(text(
                "INSERT INTO rosterimport (id, file_sha256, filename, encoding, status, total_rows, rows_processed, "
                "error_count, new_count, changed_count, unchanged_count, adjusted_count, adjusted_net_fen, "
                "created_by, created_at, updated_at) VALUES (:id, :sha, 'r.csv', 'utf-8', :status, 0, 0, 0, 0, 0, "
                "0, 0, 0, :by, '2026-01-01', '2026-01-01')"), {"id": ids[status, by], "sha": ids[status, by],
                                                                "status": status, "by": by})
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        status = dict(conn.execute(text("SELECT id, status FROM rosterimport")).all())
    engine.dispose()
    assert [status[ids[key]] for key in (("validating", None), ("applying", None), ("cancelled", None),
                                          ("cancelled", staff_id), ("done", None))] == \
        ["interrupted", "interrupted", "dry_run", "cancelled", "done"]


def test_the_partner_api_migration_gives_earlier_refunds_their_figures(scratch_url):
    """Refunds made before `refund` kept what each pool got back get it from their lines and payments."""
    cfg = _alembic(scratch_url)
    rt = Runtime(db=Database.from_url(scratch_url), settings=settings_for(scratch_url), clock=FrozenClock(START))
    import_samples(rt.db)
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter)
    sid, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter,
                        [line("A", 150_00), line("C", 20_00, code="c"), line("NON_MEDICAL", 10_00, code="n")])
    partner = Actor(fam.pharmacy, Channel.GRAPHQL)
    settlement.refund(rt, partner, settlement.RefundRequest(sid, (1, 3), "refund-one-and-three"))
    settlement.refund(rt, partner, settlement.RefundRequest(sid, (2,), "refund-two"))
    parts = "fund_fen, own_account_fen, mutual_aid_fen, cash_fen, deductible_fen"
    with rt.db.engine.connect() as conn:
        before = conn.execute(text(f"SELECT id, {parts} FROM refund ORDER BY amount_fen")).all()
    assert [r[1:] for r in before] == [(0, 0, 20_00, 0, 0), (25_00, 0, 125_00, 10_00, 100_00)]
    rt.db.dispose()

    command.downgrade(cfg, ScriptDirectory.from_config(cfg).get_revision("0017_partner_api").down_revision)
    command.upgrade(cfg, "head")
    with rt.db.engine.connect() as conn:
        assert conn.execute(text(f"SELECT id, {parts} FROM refund ORDER BY amount_fen")).all() == before
    rt.db.dispose()
