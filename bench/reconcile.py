"""Detail reconciliation (3202) on PostgreSQL: a partner's file of 100,000 settlements reconciled against the
service's, beside a plain SELECT of the same settlements, in the same run.

    .venv/bin/python bench/reconcile.py [--rows 100000]

It creates a fresh database `yibao_bench_reconcile` (admin connection BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres), migrates it, and COPYs in one pharmacy's `--rows`
settlements made yesterday (China time; subjects, codes and the partner's idempotency keys with them), half
as many of another institution's on the same day, and 1% of the pharmacy's refunded. The partner's file
lists the pharmacy's settlements with 1% of the amounts changed, 0.5% left out and 0.5% the service does
not have. Then it measures, each on the same rows:

1. baseline: a plain SELECT of the pharmacy's settlements of the day (the rows the comparison reads);
2. reading the file (UTF-8, every row checked);
3. the reconciliation (`reconcile_details`: stage the rows with COPY into a temporary table, one join);
4. writing the result file (CSV);
5. the whole of it, file in to result file out (target <= 30 s);
6. the totals (3201) for the day, beside a plain SUM of the same rows.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = "yibao_bench_reconcile"
URL = ADMIN.rsplit("/", 1)[0] + f"/{NAME}"
PEOPLE = 2_000


def fresh_database() -> None:
    with psycopg.connect(ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")


def seed(rows: int, day, rng: random.Random) -> tuple[uuid.UUID, list[tuple]]:
    """The institutions, people and settlements; the pharmacy's settlements as (id, bill, fund, account, refunded)."""
    from backend.clock import CHINA

    pharmacy, other = uuid.uuid4(), uuid.uuid4()
    start = datetime.combine(day, day_time(0), tzinfo=CHINA).astimezone(UTC)
    now = datetime.now(UTC)
    people = [uuid.uuid4() for _ in range(PEOPLE)]
    mine: list[tuple] = []
    with psycopg.connect(URL.replace("+psycopg", "")) as conn, conn.cursor() as cur:
        for inst, name in ((pharmacy, "bench pharmacy"), (other, "bench hospital")):
            cur.execute("INSERT INTO institution (id, name, kind, level, region_code, created_at) "
                        "VALUES (%s, %s, 'pharmacy', 0, '370102', %s)", (inst, name, now))
        with cur.copy("COPY person (id, name, id_number, birth_date, sex, created_at, elderly_mode) FROM STDIN") as c:
            for i, pid in enumerate(people):
                c.write_row((pid, "张伟" if i % 2 else "李娜", f"BENCH{i:013d}", "1980-01-01", "male", now, False))
        with cur.copy("COPY enrolment (person_id, insurance_type, region_code, status, updated_at) FROM STDIN") as c:
            for i, pid in enumerate(people):
                c.write_row((pid, "employee" if i % 3 else "resident", "370102", "active", now))
        settlements = [(pharmacy, i) for i in range(rows)] + [(other, i) for i in range(rows // 2)]
        codes, keys, settled = [], [], []
        for inst, i in settlements:
            sid, code, subject = uuid.uuid4(), uuid.uuid4(), rng.choice(people)
            at = start + timedelta(seconds=rng.randrange(0, 86_400))
            bill = rng.randrange(1_00, 2_000_00)
            fund = bill * rng.randrange(0, 80) // 100
            cash = (bill - fund) * rng.randrange(0, 50) // 100
            refunded = inst == pharmacy and rng.random() < 0.01
            codes.append((code, f"{code.hex}{code.hex}", subject, subject, "used", at, at, at))
            keys.append((inst, f"visit-{i:09d}", "settle", "0" * 64, sid, at))
            settled.append((sid, inst, subject, subject, code, "pharmacy", at.date(), "bench", "[]", bill, fund, 0, 0, 0,
                            0, 0, cash, "refunded" if refunded else "settled", at))
            if inst == pharmacy:
                mine.append((sid, bill, fund, bill - fund - cash, refunded, f"visit-{i:09d}"))
        with cur.copy("COPY presentedcode (id, code_sha256, subject_id, presenter_id, status, issued_at, expires_at, "
                      "used_at) FROM STDIN") as c:
            for row in codes:
                c.write_row(row)
        with cur.copy("COPY settlement (id, institution_id, subject_id, presenter_id, code_id, visit_type, "
                      "service_date, parameters_label, payer_order, bill_fen, fund_fen, deductible_fen, copay_fen, "
                      "b_self_first_fen, self_pay_fen, non_medical_fen, cash_fen, status, created_at) FROM STDIN") as c:
            for row in settled:
                c.write_row(row)
        with cur.copy("COPY idempotencykey (partner_id, key, operation, request_sha256, result_id, created_at) "
                      "FROM STDIN") as c:
            for row in keys:
                c.write_row(row)
        conn.commit()
        conn.execute("ANALYZE")
    return pharmacy, mine


def partner_file(path: Path, mine: list[tuple], rng: random.Random) -> None:
    from backend.domain.reconciliation import settlement_global_id

    def yuan(fen: int) -> str:
        return f"{fen // 100}.{fen % 100:02d}"

    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("settlement_id,visit_id,person,bill_yuan,fund_yuan,account_yuan,refunded\n")
        for sid, bill, fund, account, refunded, visit in mine:
            draw = rng.random()
            if draw < 0.005:
                continue  # the partner lacks it: 1
            if draw < 0.015:
                bill += 1  # amounts differ: 3
            f.write(f"{settlement_global_id(sid)},{visit},张*,{yuan(bill)},{yuan(fund)},{yuan(account)},"
                    f"{int(refunded)}\n")
        for i in range(len(mine) // 200):  # the service lacks them: 2
            f.write(f"{settlement_global_id(uuid.uuid4())},extra-{i},王*,10.00,5.00,5.00,0\n")


def timed(work):
    began = time.perf_counter()
    result = work()
    return time.perf_counter() - began, result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)

    fresh_database()
    os.environ.update(DATABASE_URL=URL, SECRET_KEY="bench", YIBAO_ENV="production")
    from backend.cli import migrate
    from backend.clock import CHINA
    from backend.config import get_settings
    from backend.domain.reconciliation import DetailOutcome, Figures
    from backend.principals import SYSTEM, Actor, Channel
    from backend.runtime import Runtime
    from backend.services.reconciliation import detail_file, reconcile, records

    get_settings.cache_clear()
    with contextlib.redirect_stdout(io.StringIO()):
        migrate(None)
    rt = Runtime.from_settings()
    rng = random.Random(18)
    day = datetime.now(CHINA).date() - timedelta(days=1)
    seed_time, (pharmacy, mine) = timed(lambda: seed(args.rows, day, rng))
    path = Path(tempfile.mkdtemp(prefix="reconcile-bench-")) / "detail.csv"
    partner_file(path, mine, rng)
    actor = Actor(SYSTEM, Channel.CLI)
    start = datetime.combine(day, day_time(0), tzinfo=CHINA)
    end = start + timedelta(days=1)

    def baseline() -> int:
        with rt.db.read() as s:
            return records.plain_read(s.connection(), pharmacy, start, end)

    baseline()  # warm the cache for both
    base, read_rows = timed(baseline)
    reading, rows = timed(lambda: detail_file.read_detail_file(path))
    comparing, results = timed(lambda: reconcile.reconcile_details(rt, actor, pharmacy, day, day, rows))
    writing, lines = timed(lambda: sum(1 for _ in detail_file.result_rows(results)))
    whole = reading + comparing + writing

    def plain_sum():
        with rt.db.read() as s:
            return s.connection().exec_driver_sql(
                "SELECT count(*), sum(bill_fen), sum(fund_fen), sum(bill_fen - fund_fen - cash_fen) FROM settlement "
                "WHERE institution_id = %(i)s AND created_at >= %(s)s AND created_at < %(e)s",
                {"i": pharmacy, "s": start, "e": end}).one()

    plain_sum()
    summing, _ = timed(plain_sum)
    totals_time, totals = timed(lambda: reconcile.reconcile_totals(rt, actor, pharmacy, day, day, "310", "41",
                                                                   Figures(0, 0, 0, 0), True))
    rt.db.dispose()
    counts = {o: 0 for o in DetailOutcome}
    for r in results:
        counts[r.outcome] += 1
    print(f"detail reconciliation on PostgreSQL: {len(rows):,} rows in the partner's file "
          f"({path.stat().st_size / (1 << 20):.1f} MiB), {len(mine):,} settlements of the pharmacy that day "
          f"(+{args.rows // 2:,} of another institution); seeded in {seed_time:.1f} s")
    print(f"  plain SELECT of the day's settlements  {base:7.2f} s  ({read_rows:,} rows)   (baseline)")
    print(f"  read and check the file                {reading:7.2f} s")
    print(f"  reconcile (COPY to a temp table, join) {comparing:7.2f} s  = {comparing / base:.1f}x the plain SELECT")
    print(f"  write the result file                  {writing:7.2f} s  ({lines - 1:,} result rows)")
    print(f"  whole, file in to result file out      {whole:7.2f} s  (target <= 30 s)")
    print(f"  results: {counts[DetailOutcome.BALANCED]:,} balanced (0), {counts[DetailOutcome.ONLY_OURS]:,} only the "
          f"service (1), {counts[DetailOutcome.ONLY_THEIRS]:,} only the partner (2), "
          f"{counts[DetailOutcome.DIFFERENT]:,} differ (3)")
    print(f"  totals (3201) for the day, employee pharmacy: {totals_time * 1000:.0f} ms "
          f"({totals.ours.count:,} settlements) beside a plain SUM of all the pharmacy's: {summing * 1000:.0f} ms")
    return {"rows": len(rows), "settlements": len(mine), "mib": path.stat().st_size / (1 << 20), "baseline": base,
            "reading": reading, "reconcile": comparing, "writing": writing, "whole": whole,
            "totals_ms": totals_time * 1000, "sum_ms": summing * 1000,
            "counts": [counts[o] for o in DetailOutcome]}


if __name__ == "__main__":
    main()
