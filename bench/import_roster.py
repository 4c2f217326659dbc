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
4. the same people again in another file (nothing to change): what a nightly re-run of an unchanged roster costs;
5. the same people with 1% of the rows changed (balances, statuses): a nightly extract.

It prints rows/s for each, the import as a share of COPY into the real tables (target >= 50%), peak memory
(RSS: run it at two sizes to see it flat) and the load average (the machine may be shared).
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


def generate(path: Path, rows: int, seed: int = 8, start: int = 0) -> None:
    """A roster of `rows` distinct people (the `start`-th on), written as it is generated (nothing held in memory)."""
    from backend.domain.idnumber import Sex, make_id_number

    rng = random.Random(seed)
    first_day = date(1940, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(start, start + rows):
            # 100 sequence numbers x 2 sexes per birth day and region: distinct ID numbers for any size.
            region = REGIONS[i % len(REGIONS)]
            slot = i // len(REGIONS)
            born = first_day + timedelta(days=slot // 200)
            number = make_id_number(region, born, slot % 100, Sex.MALE if slot % 200 < 100 else Sex.FEMALE)
            employee = rng.random() < 0.7
            writer.writerow([number, rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
                             f"139{i:08d}" if rng.random() < 0.6 else "", "employee" if employee else "resident",
                             region, "active", f"{rng.randrange(0, 5_000_000) / 100:.2f}" if employee else ""])


def change_some(source: Path, target: Path, every: int = 100) -> int:
    """`source` with every `every`-th person's row changed (an employee's balance up by 1.00 yuan, a
    resident's status to suspended), streamed; how many rows changed."""
    changed = 0
    with source.open(encoding="utf-8", newline="") as f, target.open("w", encoding="utf-8", newline="") as out:
        reader, writer = csv.reader(f), csv.writer(out, lineterminator="\n")
        writer.writerow(next(reader))
        for i, row in enumerate(reader):
            if i % every == 0:
                if row[6]:
                    row[6] = f"{float(row[6]) + 1:.2f}"
                else:
                    row[5] = "suspended"
                changed += 1
            writer.writerow(row)
    return changed


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


def copy_real_tables(path: Path, folder: Path) -> float:
    """Seconds to COPY the finished rows (people, enrolments, accounts) into the real tables, rolled back.
    Preparing the rows in Python is not timed: they are written first to files in COPY's text format
    (so the benchmark's own memory stays flat too), which the timed COPY reads."""
    from backend.domain.idnumber import parse_id_number
    from backend.domain.money import parse_yuan

    now, null = datetime.now(UTC).isoformat(), "\\N"
    tables = (("person", "id, name, id_number, birth_date, sex, phone, password_hash, created_at"),
              ("enrolment", "person_id, insurance_type, region_code, status, updated_at"),
              ("personalaccount", "person_id, balance_fen, updated_at"))
    files = [folder / f"{table}.copy" for table, _ in tables]
    with path.open(encoding="utf-8", newline="") as f, files[0].open("w") as people, \
            files[1].open("w") as enrolments, files[2].open("w") as accounts:
        reader = csv.reader(f)
        next(reader)
        for id_number, name, phone, kind, region, status, balance in reader:
            parsed, pid = parse_id_number(id_number), uuid.uuid4()
            people.write(f"{pid}\t{name}\t{id_number}\t{parsed.birth_date}\t{parsed.sex.value}\t{phone or null}"
                         f"\t{null}\t{now}\n")
            enrolments.write(f"{pid}\t{kind}\t{region}\t{status}\t{now}\n")
            if kind == "employee":
                accounts.write(f"{pid}\t{parse_yuan(balance)}\t{now}\n")
    with psycopg.connect(URL.replace("+psycopg", "")) as conn:
        started = time.perf_counter()
        with conn.cursor() as cur:
            for (table, columns), source in zip(tables, files, strict=True):
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy, source.open("rb") as rows:
                    while block := rows.read(1 << 16):
                        copy.write(block)
        elapsed = time.perf_counter() - started
        conn.rollback()
    for source in files:
        source.unlink()
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

    load_before = os.getloadavg()
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
    with path.open("rb") as source, again.open("wb") as target:  # the same rows, another file digest
        for line in source:
            target.write(line.replace(b"\r\n", b"\n"))
    some = folder / "roster-one-percent.csv"
    changed = change_some(path, some)
    size_mib = path.stat().st_size / (1 << 20)

    raw = raw_copy(path)
    real = copy_real_tables(path, folder)
    print(f"  (raw COPY {raw:.1f} s, COPY into the real tables {real:.1f} s)", flush=True)
    rss_before = rss_mib()
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    validating, applying, row = import_through_service(rt, path)
    print(f"  (new file: validate {validating:.1f} s, apply {applying:.1f} s)", flush=True)
    if profiler:
        profiler.stop()
        out = Path("var/import_roster_profile.html")
        out.parent.mkdir(exist_ok=True)
        out.write_text(profiler.output_html())
    rss_after = rss_mib()
    re_validating, re_applying, rerun = import_through_service(rt, again)
    print(f"  (same people again: validate {re_validating:.1f} s, apply {re_applying:.1f} s)", flush=True)
    some_validating, some_applying, some_row = import_through_service(rt, some)
    ledger_ok = verify(rt.db).ok
    rt.db.dispose()
    load_after = os.getloadavg()

    n = args.rows
    whole = validating + applying
    rate = {"raw": n / raw, "real": n / real, "import": n / whole, "rerun": n / (re_validating + re_applying),
            "some": n / (some_validating + some_applying)}
    print(f"roster import on PostgreSQL, {n:,} rows ({size_mib:.1f} MiB CSV), {row.new_count:,} people created, "
          f"{row.adjusted_count:,} balances via roster_adjustment")
    print(f"  raw COPY into a bare table       {raw:7.2f} s  {rate['raw']:>10,.0f} rows/s   (floor)")
    print(f"  COPY into the real tables (rb)   {real:7.2f} s  {rate['real']:>10,.0f} rows/s   (baseline)")
    print(f"  whole import (validate + apply)  {whole:7.2f} s  {rate['import']:>10,.0f} rows/s   "
          f"= {rate['import'] / rate['real']:.0%} of COPY into the real tables (target >= 50%), "
          f"{rate['import'] / rate['raw']:.0%} of raw COPY")
    print(f"    validate (stream, check, stage) {validating:6.2f} s   apply (set-based, one transaction) {applying:6.2f} s")
    print(f"  same people again, nothing to do {re_validating + re_applying:7.2f} s  {rate['rerun']:>10,.0f} rows/s   "
          f"({rerun.unchanged_count:,} unchanged, {rerun.adjusted_count} adjusted; validate {re_validating:.2f} s, "
          f"apply {re_applying:.2f} s)")
    print(f"  1% of the rows changed           {some_validating + some_applying:7.2f} s  {rate['some']:>10,.0f} rows/s   "
          f"({some_row.changed_count:,} changed of {changed:,} edited, {some_row.adjusted_count:,} adjusted; "
          f"validate {some_validating:.2f} s, apply {some_applying:.2f} s)")
    print(f"  peak memory (RSS): {rss_before:.0f} MiB before the import, {rss_after:.0f} MiB after it "
          f"(the import streams: +{rss_after - rss_before:.0f} MiB for {size_mib:.1f} MiB of file)")
    print(f"  verify-ledger after the three imports: {'all invariants hold' if ledger_ok else 'BROKEN'}")
    print("  load average before: {:.1f} {:.1f} {:.1f}, after: {:.1f} {:.1f} {:.1f}".format(*load_before, *load_after))
    for leftover in (path, again, some):
        leftover.unlink()
    folder.rmdir()
    return {"rows": n, **rate, "validate_s": validating, "apply_s": applying, "rss_mib": rss_after,
            "rerun_s": re_validating + re_applying, "some_s": some_validating + some_applying, "load": load_before}


if __name__ == "__main__":
    main()
