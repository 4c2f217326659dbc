"""Migration 0007 on a database that already holds settlements: the file's sets become versions and
every settlement points at the set whose label it recorded. Each test has a fresh database of its own.

(Downgrading 0007 on SQLite works on a database without settlement lines only: batch mode copies the
settlement table, which the lines' references forbid while SQLite's foreign keys are on.)"""

import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from backend.config import PROJECT_ROOT
from tests.conftest import PG_ADMIN_URL, START, migrate

REVISION = "0007"  # the parameter-set migration (renumber with it when the chain is re-ordered)


def _config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    name = f"yibao_params_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable ({exc.__class__.__name__})")
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _rows_before_versions(url: str) -> None:
    """Two settlements as the file-based parameters left them (one with a label no file set has) and a
    line, written with reference checks off: only the rows the migration reads matter here."""
    engine = create_engine(url)  # not the app's engine: SQLite's foreign keys stay off
    ids = {name: uuid.uuid4() for name in ("a", "b", "line")}
    split = dict(fund_fen=0, deductible_fen=0, copay_fen=0, b_self_first_fen=0, self_pay_fen=0, non_medical_fen=0,
                 cash_fen=100)
    settlement = sa.table("settlement", *(sa.column(c, sa.Uuid()) for c in (
        "id", "institution_id", "subject_id", "presenter_id", "code_id")), *(sa.column(c) for c in (
        "visit_type", "service_date", "parameters_label", "payer_order", "bill_fen", "status", "created_at", *split)))
    line = sa.table("settlementline", *(sa.column(c, sa.Uuid()) for c in ("id", "settlement_id")), *(
        sa.column(c) for c in ("line_no", "item_code", "name", "category", "unit_price_fen", "quantity", "amount_fen",
                               *split)))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET session_replication_role = replica"))
        for key, label in (("a", "SAMPLE Jinan 2026"), ("b", "a set no file has")):
            conn.execute(sa.insert(settlement).values(
                id=ids[key], institution_id=uuid.uuid4(), subject_id=uuid.uuid4(), presenter_id=uuid.uuid4(),
                code_id=uuid.uuid4(), visit_type="pharmacy", service_date=date(2026, 3, 1), parameters_label=label,
                payer_order="[]", bill_fen=100, status="settled", created_at=START, **split))
        conn.execute(sa.insert(line).values(id=ids["line"], settlement_id=ids["a"], line_no=1, item_code="x",
                                            name="x", category="C", unit_price_fen=100, quantity=1, amount_fen=100,
                                            **split))
    engine.dispose()


def test_upgrading_a_database_with_settlements_links_them_to_the_files_sets(fresh_url):
    before = ScriptDirectory.from_config(_config(fresh_url)).get_revision(REVISION).down_revision
    command.upgrade(_config(fresh_url), before)
    _rows_before_versions(fresh_url)
    command.upgrade(_config(fresh_url), "head")  # with the app's engine: foreign keys on
    engine = create_engine(fresh_url)
    with engine.connect() as conn:
        linked = dict(conn.execute(text("SELECT s.parameters_label, p.label FROM settlement s LEFT JOIN parameterset p "
                                        "ON p.id = s.parameter_set_id")).all())
        versions = conn.execute(text("SELECT count(*) FROM parameterset")).scalar()
    engine.dispose()
    assert linked == {"SAMPLE Jinan 2026": "SAMPLE Jinan 2026", "a set no file has": None} and versions == 4


def test_a_fresh_database_starts_without_versions_and_the_migration_goes_down_and_up(fresh_url):
    migrate(fresh_url)
    engine = create_engine(fresh_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM parameterset")).scalar() == 0
    engine.dispose()
    before = ScriptDirectory.from_config(_config(fresh_url)).get_revision(REVISION).down_revision
    command.downgrade(_config(fresh_url), before)
    command.upgrade(_config(fresh_url), "head")
