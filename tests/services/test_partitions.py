"""Monthly partitions of the ledger postings and settlement lines (PostgreSQL; SQLite is not partitioned)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql

from backend.principals import Actor, Channel
from backend.services.money import ledger, settlement
from backend.services.money.ledger_check import verify
from backend.storage import partitions
from backend.storage.models import LedgerPosting, SettlementLine, SettlementPayment
from tests.money import assert_ledger_balanced, grant, jinan_family, line, settle_for

POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql", "postgresql-serializable"], indirect=True)
MARCH, APRIL = (2026, 3), (2026, 4)


def _relations(plan: dict) -> set[str]:
    """The tables a JSON plan reads."""
    found = {plan["Relation Name"]} if "Relation Name" in plan else set()
    for child in plan.get("Plans", []):
        found |= _relations(child)
    return found


def _explain(conn, statement) -> set[str]:
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    [[plan]] = conn.execute(text("EXPLAIN (FORMAT JSON) " + sql)).one()
    return _relations(plan["Plan"])


def _one_month(model, month):
    start, end = partitions.month_start(month), partitions.month_start(partitions.add_months(month, 1))
    return select(func.count(), func.sum(model.amount_fen)).where(model.created_at >= start, model.created_at < end)


@pytest.fixture
def two_months(rt):
    """Settlements in March and in April 2026 (China time), with the partitions of both months."""
    with rt.db.engine.begin() as conn:
        partitions.ensure_months(conn, MARCH, 2)
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter)
    settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("A", 150_00), line("NON_MEDICAL", 10_00)])
    rt.clock.advance(days=31)
    settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("A", 300_00)])
    return fam


@POSTGRESQL
def test_a_query_for_one_month_reads_one_partition(rt, two_months):
    with rt.db.engine.connect() as conn:
        for model in (LedgerPosting, SettlementLine):
            table = model.__tablename__
            assert _explain(conn, _one_month(model, MARCH)) == {f"{table}_p202603"}
            assert _explain(conn, _one_month(model, APRIL)) == {f"{table}_p202604"}
            # Without a bound on created_at every partition is read: the plans above are pruned.
            assert len(_explain(conn, select(func.count()).select_from(model))) > 2
            # The rows are where the plan looks, and none fell into the default partition.
            march = conn.execute(text(f"SELECT count(*) FROM {table}_p202603")).scalar_one()
            assert march == conn.execute(_one_month(model, MARCH)).one()[0] > 0
            assert conn.execute(text(f"SELECT count(*) FROM {table}_default")).scalar_one() == 0
    assert_ledger_balanced(rt)


@POSTGRESQL
def test_a_payment_reaches_its_line_in_one_partition(rt, two_months):
    line_of = (select(SettlementPayment.amount_fen).join(SettlementLine, SettlementPayment.line_join())
               .where(SettlementPayment.line_created_at >= partitions.month_start(MARCH),
                      SettlementPayment.line_created_at < partitions.month_start(APRIL),
                      SettlementLine.created_at >= partitions.month_start(MARCH),
                      SettlementLine.created_at < partitions.month_start(APRIL)))
    with rt.db.engine.connect() as conn:
        assert _explain(conn, line_of) == {"settlementpayment", "settlementline_p202603"}
        assert conn.execute(line_of).all()


@POSTGRESQL
def test_the_payments_foreign_key_holds_across_partitions(rt, two_months):
    """A payment must name an existing line by its whole key, whichever partition the line is in."""
    with rt.db.engine.connect() as conn:
        payment = conn.execute(select(SettlementPayment.__table__)).mappings().first()
        wrong_month = dict(payment, pool="own:elsewhere",
                           line_created_at=partitions.month_start(APRIL))
        with pytest.raises(Exception, match="fk_settlementpayment_line"):
            conn.execute(SettlementPayment.__table__.insert().values(**wrong_month))
        conn.rollback()


@POSTGRESQL
def test_a_month_whose_rows_went_to_the_default_partition_is_refused(rt):
    june = (2035, 6)  # no partition: the migration makes twelve months ahead of its day, tests make others
    with rt.db.engine.begin() as conn:
        assert not partitions.ensure_months(conn, june, 0).created
    at = partitions.month_start(june) + timedelta(days=3)
    rt.db.write(lambda s: ledger.record(s, "opening", None, at, [ledger.Movement("opening:x", "fund:x", 1_00)]))
    with rt.db.engine.begin() as conn, pytest.raises(partitions.PartitionError, match="ledgerposting_default"):
        partitions.ensure_months(conn, june, 1)
    with rt.db.engine.connect() as conn:
        assert conn.execute(text("SELECT to_regclass('ledgerposting_p203506')")).scalar_one() is None


@POSTGRESQL
def test_rows_in_the_default_partition_move_into_their_month_when_asked(rt, database_url):
    """A settlement (lines, payments, postings) that landed in the default partitions gets its month."""
    # A month of 2026 (the sample parameters' last year) without partitions: each variant its own, as they
    # share one database; the migration made partitions from its own day on, the tests above March and April.
    month = (2026, 7) if "serializable" in database_url else (2026, 6)
    name = f"p{month[0]}{month[1]:02d}"
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.daughter)
    rt.clock.advance(days=(date(*month, 10) - rt.clock.now().date()).days)
    sid, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("A", 150_00)])
    with rt.db.engine.connect() as conn:
        month_rows = conn.execute(_one_month(SettlementLine, month)).one()
        assert conn.execute(text("SELECT count(*) FROM settlementline_default")).scalar_one() == month_rows[0] > 0
    with rt.db.engine.begin() as conn:
        outcome = partitions.ensure_months(conn, month, 1, move_from_default=True)
    assert outcome.moved == [f"{table}_{name}" for table in partitions.PARTITIONED]
    with rt.db.engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM settlementline_{name}")).scalar_one() == month_rows[0]
        assert conn.execute(text("SELECT count(*) FROM settlementline_default")).scalar_one() == 0
        assert _explain(conn, _one_month(SettlementLine, month)) == {f"settlementline_{name}"}
        # The payments' foreign key is back, and checked.
        assert conn.execute(text("SELECT convalidated FROM pg_constraint WHERE conname = 'fk_settlementpayment_line' "
                                 "AND conparentid = 0")).scalar_one()
    assert verify(rt.db).ok
    refund = settlement.RefundRequest(sid, None, idempotency_key="after-the-move")
    settlement.refund(rt, Actor(fam.pharmacy, Channel.GRAPHQL), refund)  # lines and payments still found
    assert_ledger_balanced(rt)


def _yibao(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "LANG": "C.UTF-8"}  # the English lines asserted here
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


@POSTGRESQL
def test_the_command_creates_months_ahead_once(rt, database_url):
    year = 2033 if "serializable" in database_url else 2031  # the two variants share one database
    first = _yibao(database_url, "partitions", "--from", f"{year}-11", "--months", "3")
    assert first.returncode == 0, first.stderr
    created = [ln.split()[1] for ln in first.stdout.splitlines() if ln.startswith("created ")]
    months = (f"{year}11", f"{year}12", f"{year + 1}01")
    assert created == [f"{table}_p{month}" for table in partitions.PARTITIONED for month in months]
    again = _yibao(database_url, "partitions", "--from", f"{year}-11", "--months", "3")
    assert "0 partitions created, 6 already there" in again.stdout
    with rt.db.engine.begin() as conn:
        conn.execute(text("SET LOCAL TIME ZONE 'UTC'"))
        bounds = conn.execute(text("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = :name"),
                              {"name": f"ledgerposting_p{year}12"}).scalar_one()
    # A month in China time: from midnight of its first day (UTC+8) to midnight of the next month's.
    assert bounds == f"FOR VALUES FROM ('{year}-11-30 16:00:00+00') TO ('{year}-12-31 16:00:00+00')"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_command_leaves_sqlite_alone(database_url):
    done = _yibao(database_url, "partitions")
    assert done.returncode == 0 and "not partitioned" in done.stdout
