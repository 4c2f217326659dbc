"""What finding the parameter version in force costs, beside reading one version by its id.

    .venv/bin/python bench/parameters_lookup.py [--rounds 2000]

Settle reads the version in force (longest region prefix, then the latest date on or before the
service date) as a correlated subquery of the statement that reads its scene, so it adds no
statement; this measures what the subquery itself costs. On SQLite (a temporary file) and on
PostgreSQL (BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres as the
admin connection; a database `yibao_bench_params` is created fresh), with the 4 shipped sample
versions and then with about 1,800 (every Shandong city and 10 districts of each, 10 dates each), it
prints the median and p99 of:

- `in force`: `parameters.in_force(region, date)`, the lookup settle embeds;
- `baseline`: the same columns of one version read by primary key (and turned into a version).

Then how long building settle's scene statement takes (`settlement.SCENE` is built once; before
versions it was built on every settlement), beside running the lookup.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from backend.cli import migrate  # noqa: E402
from backend.config import Settings, get_settings  # noqa: E402
from backend.domain.regions import shandong_cities  # noqa: E402
from backend.principals import SYSTEM, Actor, Channel  # noqa: E402
from backend.runtime import Runtime  # noqa: E402
from backend.services.money import settlement  # noqa: E402
from backend.services.region import parameters  # noqa: E402
from backend.storage.db import Database  # noqa: E402
from backend.storage.models import ParameterSet  # noqa: E402

ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = "yibao_bench_params"


def many_versions(db: Database) -> int:
    """About 1,800 more versions: every city (4 digits) and ten districts of each (6 digits), ten dates."""
    sample = parameters.read_seed(parameters.SAMPLES)[0]
    prefixes = list(shandong_cities()) + [f"{city}{d:02d}" for city in shandong_cities() for d in range(1, 11)]
    rows = [dict(parameters.values_of(sample), id=uuid.uuid4(), region_prefix=prefix, effective_from=date(2017 + y, 1, 1),
                 label=f"bench {prefix} {2017 + y}", created_by=None, created_at=datetime.now(UTC))
            for prefix in prefixes for y in range(10) if not (prefix == "3701" and 2017 + y in (2025, 2026))]
    with db.engine.begin() as conn:
        conn.execute(insert(ParameterSet.__table__), rows)
    return len(rows)


def timed(fn, rounds: int) -> tuple[float, float]:
    for _ in range(50):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def measure(db: Database, rounds: int) -> dict[str, tuple[float, float]]:
    ps = ParameterSet.__table__
    with db.read() as s:
        target = parameters.in_force(s, "370102", date(2026, 3, 2)).id
        by_id = select(*parameters.columns(ps)).where(ps.c.id == target)
        return {"in force": timed(lambda: parameters.in_force(s, "370102", date(2026, 3, 2)), rounds),
                "baseline": timed(lambda: parameters.from_row(s.connection().execute(by_id).one()), rounds)}


def run(url: str, label: str, rounds: int) -> None:
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    with contextlib.redirect_stdout(io.StringIO()):
        migrate(None)
    db = Database.from_url(url)
    try:
        parameters.import_file(Runtime(db=db, settings=Settings(database_url=url, secret_key="bench")),
                               Actor(SYSTEM, Channel.CLI), parameters.SAMPLES)
        for versions in ("4", None):
            if versions is None:
                versions = str(4 + many_versions(db))
            figures = measure(db, rounds)
            (inf50, inf99), (base50, base99) = figures["in force"], figures["baseline"]
            print(f"{label:<10} {versions:>5} versions   in force p50 {inf50:7.1f} µs  p99 {inf99:7.1f} µs   "
                  f"baseline (by id) p50 {base50:7.1f} µs  p99 {base99:7.1f} µs   ratio p50 {inf50 / base50:.2f}")
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    build50, build99 = timed(settlement._scene_statement, args.rounds // 4)
    print(f"building settle's scene statement once per settlement: p50 {build50:7.1f} µs  p99 {build99:7.1f} µs "
          "(now built once per process)")
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.db", "SQLite", args.rounds)
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{NAME}"'))
    try:
        run(ADMIN.rsplit("/", 1)[0] + f"/{NAME}", "PostgreSQL", args.rounds)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
