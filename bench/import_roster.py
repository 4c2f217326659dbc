"""Roster import on PostgreSQL: the whole import (validate + apply, as `yibao import-roster` runs it) beside raw
COPY of the same rows, in the same run.

    .venv/bin/python bench/import_roster.py [--rows 100000] [--profile]

It creates a fresh database `yibao_bench_roster` (admin connection BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres), writes a generated roster CSV (valid ID numbers,
70% employees with balances) to a temporary file, then measures, each on the same rows:

1. raw COPY of the file into a bare table of text columns (no keys, no indexes): the floor;
2. COPY of the finished rows into the real tables (person, enrolment, personalaccount, with their keys and
   indexes), rolled back: what storing them costs at best, with nothing checked;
3. the whole import through the service: stream + check every row + stage (COPY), set-based checks,
   apply (people, enrolments, accounts, one roster_adjustment transaction, row digests);
4. the same people again in another file (nothing to change): what a nightly re-run of an unchanged roster costs.

It prints rows/s for each, the import as a share of raw COPY (target >= 25%), and peak memory (RSS).
`--profile` writes pyinstrument's profile of the import to var/import_roster_profile.html (pip install pyinstrument).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = "yibao_bench_roster"
URL = ADMIN.rsplit("/", 1)[0] + f"/{NAME}"
HEADER = ["id_number", "name", "phone", "insurance_type", "region_code", "status", "balance_yuan"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
REGIONS = ["370102", "370103", "370104", "370105", "370112", "370202", "370302", "370602"]


def fresh_database() -> None:
    with psycopg.connect(ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")


def generate(path: Path, rows: int, seed: int = 8) -> None:
    """A roster of `rows` distinct people, written as it is generated (nothing held in memory)."""
    from backend.domain.idnumber import Sex, make_id_number

    rng = random.Random(seed)
    first_day = date(1940, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(rows):
            # 100 sequence numbers x 2 sexes per birth day and region: distinct ID numbers for any size.
            region = REGIONS[i % len(REGIONS)]
            slot = i // len(REGIONS)
            born = first_day + timedelta(days=slot // 200)
            number = make_id_number(region, born, slot % 100, Sex.MALE if slot % 200 < 100 else Sex.FEMALE)
            employee = rng.random() < 0.7
            writer.writerow([number, rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
                             f"139{i:08d}" if rng.random() < 0.6 else "", "employee" if employee else "resident",
                             region, "active", f"{rng.randrange(0, 5_000_000) / 100:.2f}" if employee else ""])


def raw_copy(path: Path) -> float:
    """Seconds to COPY the file as it is into a bare table of text columns."""
    with psycopg.connect(URL.replace("+psycopg", "")) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bare_roster (id_number text, name text, phone text, "
                     "insurance_type text, region_code text, status text, balance_yuan text)")
        conn.execute("TRUNCATE bare_roster")
        conn.commit()
        started = time.perf_counter()
        with conn.cursor().copy("COPY bare_roster FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, \
                path.open("rb") as f:
            while block := f.read(1 << 16):
                copy.write(block)
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bare_roster")
        conn.commit()
    return elapsed


def copy_real_tables(path: Path) -> float:
    """Seconds to COPY the finished rows (people, enrolments, accounts) into the real tables, rolled back.
    Preparing the rows in Python is not timed."""
    from backend.domain.idnumber import parse_id_number
    from backend.domain.money import parse_yuan

    now = datetime.now(UTC)
    people, enrolments, accounts = [], [], []
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for id_number, name, phone, kind, region, status, balance in reader:
            parsed, pid = parse_id_number(id_number), uuid.uuid4()
            people.append((pid, name, id_number, parsed.birth_date, parsed.sex.value, phone or None, None, now))
            enrolments.append((pid, kind, region, status, now))
            if kind == "employee":
                accounts.append((pid, parse_yuan(balance), now))
    with psycopg.connect(URL.replace("+psycopg", "")) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur:
            for table, columns, rows in (
                    ("person", "id, name, id_number, birth_date, sex, phone, password_hash, created_at", people),
                    ("enrolment", "person_id, insurance_type, region_code, status, updated_at", enrolments),
                    ("personalaccount", "person_id, balance_fen, updated_at", accounts)):
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        elapsed = time.perf_counter() - started
        conn.rollback()
    return elapsed


def import_through_service(rt, path: Path) -> tuple[float, float, object]:
    """(seconds validating, seconds applying, the import row), as `yibao import-roster` runs it."""
    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.roster import roster

    actor = Actor(SYSTEM, Channel.CLI)
    started = time.perf_counter()
    row = roster.start(rt, actor, path, path.name).row
    row = roster.validate(rt, row.id, path)
    validated = time.perf_counter()
    if row.status != roster.Status.READY:
        raise SystemExit(f"the generated roster did not validate: {row.status}, {row.error_count} problems")
    roster.confirm(rt, actor, row.id)
    row = roster.apply(rt, actor, row.id)
    if row.status != roster.Status.DONE:
        raise SystemExit(f"apply failed: {row.error_message}")
    return validated - started, time.perf_counter() - validated, row


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="profile the import with pyinstrument")
    args = parser.parse_args(argv)

    fresh_database()
    os.environ.update(DATABASE_URL=URL, SECRET_KEY="bench", YIBAO_ENV="production")
    from backend.cli import migrate
    from backend.config import get_settings
    from backend.runtime import Runtime
    from backend.services.money.ledger_check import verify

    get_settings.cache_clear()
    with contextlib.redirect_stdout(io.StringIO()):
        migrate(None)
    rt = Runtime.from_settings()
    folder = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    path = folder / "roster.csv"
    generate(path, args.rows)
    again = folder / "roster-again.csv"
    again.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))  # the same rows, another file digest
    size_mib = path.stat().st_size / (1 << 20)

    raw = raw_copy(path)
    real = copy_real_tables(path)
    rss_before = rss_mib()
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    validating, applying, row = import_through_service(rt, path)
    if profiler:
        profiler.stop()
        out = Path("var/import_roster_profile.html")
        out.parent.mkdir(exist_ok=True)
        out.write_text(profiler.output_html())
    rss_after = rss_mib()
    re_validating, re_applying, rerun = import_through_service(rt, again)
    ledger_ok = verify(rt.db).ok
    rt.db.dispose()

    n = args.rows
    whole = validating + applying
    rate = {"raw": n / raw, "real": n / real, "import": n / whole, "rerun": n / (re_validating + re_applying)}
    print(f"roster import on PostgreSQL, {n:,} rows ({size_mib:.1f} MiB CSV), {row.new_count:,} people created, "
          f"{row.adjusted_count:,} balances via roster_adjustment")
    print(f"  raw COPY into a bare table       {raw:7.2f} s  {rate['raw']:>10,.0f} rows/s   (baseline)")
    print(f"  COPY into the real tables (rb)   {real:7.2f} s  {rate['real']:>10,.0f} rows/s")
    print(f"  whole import (validate + apply)  {whole:7.2f} s  {rate['import']:>10,.0f} rows/s   "
          f"= {rate['import'] / rate['raw']:.0%} of raw COPY (target >= 25%), "
          f"{rate['import'] / rate['real']:.0%} of COPY into the real tables")
    print(f"    validate (stream, check, stage) {validating:6.2f} s   apply (set-based, one transaction) {applying:6.2f} s")
    print(f"  same people again, nothing to do {re_validating + re_applying:7.2f} s  {rate['rerun']:>10,.0f} rows/s   "
          f"({rerun.unchanged_count:,} unchanged, {rerun.adjusted_count} adjusted)")
    print(f"  peak memory (RSS): {rss_before:.0f} MiB before the import, {rss_after:.0f} MiB after it "
          f"(the import streams: +{rss_after - rss_before:.0f} MiB for {size_mib:.1f} MiB of file)")
    print(f"  verify-ledger after both imports: {'all invariants hold' if ledger_ok else 'BROKEN'}")
    for leftover in (path, again):
        leftover.unlink()
    folder.rmdir()
    return {"rows": n, **rate, "validate_s": validating, "apply_s": applying, "rss_mib": rss_after}


if __name__ == "__main__":
    main()
