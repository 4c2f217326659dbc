"""Preparing a month's clearing batch for a million settlements, beside a plain SUM ... GROUP BY of the same rows.

Creates the PostgreSQL database `yibao_bench_clearing` (admin connection BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres), migrates it, and loads with set-based SQL
(`generate_series`, foreign-key triggers off while loading: `session_replication_role = replica`):
200 institutions, 50,000 enrolled people (employees and residents), `--settlements` settlements in
November 2026 (China time) spread over outpatient, inpatient and pharmacy visits, one line each (in the
month's partition), an own-account payment for the employees' personal share and a mutual-aid payment for
a tenth of the residents', and a refund of one settlement in a hundred.

Then it times, in the same run:

- the baseline: `SELECT institution, visit type, count, SUM(bill), SUM(fund), SUM(cash) FROM settlement
  WHERE created_at in the month GROUP BY institution, visit type` (no membership, no payments, no refunds,
  nothing written);
- `services.clearing.batches.prepare` for 2026-11: membership of every settlement and refund (one
  INSERT ... SELECT each, own-account parts from the payments), the lines (one INSERT ... SELECT ... GROUP
  BY), the audit event, in one transaction.

It prints both times, their ratio, the rows, and the process's peak memory before and after the prepare
(its work is in SQL, so the client's memory stays flat). Target: the prepare within 60 s.

    .venv/bin/python bench/clearing.py [--settlements 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from backend.clock import CHINA, FrozenClock  # noqa: E402
from backend.config import PROJECT_ROOT, Settings  # noqa: E402
from backend.principals import Actor, Channel, Principal, PrincipalKind, StaffRole  # noqa: E402
from backend.runtime import Runtime  # noqa: E402
from backend.services.clearing import batches  # noqa: E402
from backend.storage.db import Database  # noqa: E402

ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = "yibao_bench_clearing"
TARGET_SECONDS = 60.0
START = datetime(2026, 11, 1, tzinfo=CHINA)
END = datetime(2026, 12, 1, tzinfo=CHINA)

LOAD = """
SET session_replication_role = replica;
INSERT INTO institution (id, name, kind, level, region_code, created_at)
SELECT md5('inst' || i)::uuid, 'institution ' || i, CASE WHEN i % 3 = 0 THEN 'pharmacy' ELSE 'hospital' END,
       i % 4, '370102', now()
FROM generate_series(1, 200) i;
INSERT INTO enrolment (person_id, insurance_type, region_code, status, updated_at)
SELECT md5('person' || i)::uuid, CASE WHEN i % 2 = 0 THEN 'employee' ELSE 'resident' END, '370102', 'active', now()
FROM generate_series(1, 50000) i;
INSERT INTO staffuser (id, username, name, role, password_hash, active, created_at)
VALUES ('00000000-0000-4000-8000-00000000c1e4', 'bench-clerk', 'bench clerk', 'clerk', 'x', true, now());
CREATE TEMP TABLE gen AS
SELECT md5('settlement' || i)::uuid AS id, md5('inst' || (1 + i % 200))::uuid AS institution_id,
       md5('person' || (1 + i % 50000))::uuid AS subject_id, (i % 50000) % 2 = 1 AS employee,
       (ARRAY['outpatient', 'inpatient', 'pharmacy'])[1 + i % 3] AS visit_type,
       1000 + (i::bigint * 7919) % 90000 AS bill,
       :start + (i::float / :n) * interval '29 days 23 hours' AS at, i
FROM generate_series(1, :n) i;
INSERT INTO settlement (id, institution_id, subject_id, presenter_id, code_id, visit_type, service_date,
                        parameters_label, payer_order, bill_fen, fund_fen, deductible_fen, copay_fen,
                        b_self_first_fen, self_pay_fen, non_medical_fen, cash_fen, status, created_at)
SELECT id, institution_id, subject_id, subject_id, gen_random_uuid(), visit_type, (at AT TIME ZONE 'Asia/Shanghai')::date,
       'bench', '[]', bill, bill * 6 / 10, 0, bill - bill * 6 / 10, 0, 0, 0,
       CASE WHEN employee OR i % 10 = 0 THEN 0 ELSE bill - bill * 6 / 10 END, 'settled', at
FROM gen;
INSERT INTO settlementline (id, settlement_id, line_no, item_code, name, category, unit_price_fen, quantity,
                            amount_fen, fund_fen, deductible_fen, copay_fen, b_self_first_fen, self_pay_fen,
                            non_medical_fen, cash_fen, refund_id, created_at)
SELECT md5('line' || i)::uuid, id, 1, 'X', 'item', 'A', bill, 1, bill, bill * 6 / 10, 0, bill - bill * 6 / 10, 0, 0, 0,
       CASE WHEN employee OR i % 10 = 0 THEN 0 ELSE bill - bill * 6 / 10 END,
       CASE WHEN i % 100 = 0 THEN md5('refund' || i)::uuid END, at
FROM gen;
INSERT INTO settlementpayment (line_id, pool, payer_id, grant_id, amount_fen, line_created_at)
SELECT md5('line' || i)::uuid, CASE WHEN employee THEN 'own' ELSE 'grant:' || md5('grant' || i) END, subject_id, NULL,
       bill - bill * 6 / 10, at
FROM gen WHERE employee OR i % 10 = 0;
INSERT INTO refund (id, settlement_id, kind, reason, amount_fen, created_at)
SELECT md5('refund' || i)::uuid, id, 'refund', NULL, bill, at + interval '1 hour'
FROM gen WHERE i % 100 = 0 AND at + interval '1 hour' < :end;
UPDATE settlement SET status = 'refunded' WHERE id IN (SELECT id FROM gen WHERE i % 100 = 0);
SET session_replication_role = origin;
ANALYZE;
"""

BASELINE = """
SELECT institution_id, visit_type, count(*), sum(bill_fen), sum(fund_fen), sum(cash_fen)
FROM settlement WHERE created_at >= :start AND created_at < :end
GROUP BY institution_id, visit_type
"""


def create_database() -> str:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{NAME}"'))
    admin.dispose()
    url = make_url(ADMIN).set(database=NAME).render_as_string(hide_password=False)
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    return url


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    url = create_database()
    db = Database.from_url(url)
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for statement in filter(str.strip, LOAD.split(";\n")):
            conn.execute(text(statement), {"n": args.settlements, "start": START, "end": END})
    loaded = time.perf_counter() - started

    with db.engine.connect() as conn:
        started = time.perf_counter()
        groups = conn.execute(text(BASELINE), {"start": START, "end": END}).all()
        baseline = time.perf_counter() - started

    clerk = Principal(PrincipalKind.STAFF, uuid.UUID("00000000-0000-4000-8000-00000000c1e4"), "bench clerk",
                      StaffRole.CLERK)
    rt = Runtime(db=db, settings=Settings(database_url=url),
                 clock=FrozenClock(datetime(2026, 12, 1, 9, tzinfo=CHINA).astimezone(UTC)))
    memory_before = peak_mib()
    started = time.perf_counter()
    batch = batches.prepare(rt, Actor(clerk, Channel.CLI), "2026-11")
    prepared = time.perf_counter() - started
    memory_after = peak_mib()
    with db.engine.connect() as conn:
        items = conn.execute(text("SELECT kind, count(*) FROM clearingitem GROUP BY kind ORDER BY kind")).all()
        lines = conn.execute(text("SELECT count(*), sum(payable_fen) FROM clearingline WHERE batch_id = :b"),
                             {"b": batch.id}).one()
    db.dispose()
    if not args.keep:
        admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        admin.dispose()

    result = {"settlements": args.settlements, "load_s": loaded, "baseline_s": baseline, "baseline_groups": len(groups),
              "prepare_s": prepared, "items": dict(items), "lines": lines[0], "payable_fen": int(lines[1] or 0),
              "peak_mib_before": memory_before, "peak_mib_after": memory_after}
    print(f"settlements loaded           {args.settlements:>12,} in {loaded:.1f} s")
    print(f"baseline SUM ... GROUP BY    {baseline:>12.2f} s   ({len(groups)} groups)")
    print(f"prepare (membership + lines) {prepared:>12.2f} s   ({dict(items)}; {lines[0]} lines)")
    print(f"prepare / baseline           {prepared / baseline:>12.1f} x")
    print(f"target                       {TARGET_SECONDS:>12.0f} s   {'met' if prepared <= TARGET_SECONDS else 'MISSED'}")
    print(f"peak memory (client)         {memory_before:>8.0f} MiB before, {memory_after:.0f} MiB after")
    return result


if __name__ == "__main__":
    main()
