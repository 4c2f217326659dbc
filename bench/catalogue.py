"""What the catalogue costs: importing a large catalogue file, and settlement's lookup of a bill's items.

    .venv/bin/python bench/catalogue.py [--rows 50000] [--rounds 300]

On SQLite (a temporary file) and on PostgreSQL (BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres as the admin connection; a database
`yibao_bench_catalogue` is created fresh), with the shipped sample catalogue and then a generated one of
`--rows` entries (a tenth of them in two versions), it prints:

- import: the seconds `yibao import-catalogue` takes for the generated file (checked and applied in one
  transaction), and again for the same rows in another file (every row already there: nothing written),
  beside the baseline of reading and checking the file alone (the domain's work, no database);
- lookup: the median and p99 of `lookup.catalogue_items` for 1, 10 and 100 of an institution's item codes
  (5,000 approved mappings), beside the baseline of reading one entry by its primary key.
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
from backend.clock import FrozenClock  # noqa: E402
from backend.config import Settings, get_settings  # noqa: E402
from backend.principals import SYSTEM, Actor, Channel  # noqa: E402
from backend.runtime import Runtime  # noqa: E402
from backend.services.catalogue import imports  # noqa: E402
from backend.services.catalogue.lookup import catalogue_items  # noqa: E402
from backend.services.people import accounts  # noqa: E402
from backend.storage.db import Database  # noqa: E402
from backend.storage.models import CatalogueEntry, ItemMapping  # noqa: E402

ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = "yibao_bench_catalogue"
CLI = Actor(SYSTEM, Channel.CLI)
KINDS, CLASSES = ("药品", "医疗服务", "医用耗材"), ("甲类", "乙类", "丙类")


def catalogue_file(path: Path, rows: int, *, salt: str = "") -> Path:
    """`rows` entries, every tenth with a second version from July; `salt` changes the bytes, not the rows."""
    lines = ["国家医保编码,名称,目录类别,甲乙类,先行自付比例,最高限价,开始日期,结束日期"]
    for n in range(rows):
        cls = CLASSES[n % 3]
        share = "10" if cls == "乙类" and n % 2 else ""
        cap = f"{(n % 500) + 1}.{n % 100:02d}" if n % 4 else ""
        lines.append(f"BENCH{n:07d},基准项目{n},{KINDS[n % 3]},{cls},{share},{cap},2026-01-01,")
        if n % 10 == 0:
            lines.append(f"BENCH{n:07d},基准项目{n},{KINDS[n % 3]},{cls},{share},1.00,2026-07-01,")
    path.write_text("\n".join(lines) + "\n" + (f"# {salt}\n" if salt else ""), encoding="utf-8")
    return path


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def check_only(path: Path) -> None:
    read = imports._read(path, "utf-8")
    assert not read.found, read.problems[:3]


def runtime(url: str) -> Runtime:
    return Runtime(db=Database.from_url(url), settings=Settings(database_url=url, secret_key="bench"),
                   clock=FrozenClock(datetime(2026, 3, 2, 1, tzinfo=UTC)))


def quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    return f"median {statistics.median(ordered) * 1e3:7.3f} ms   p99 {ordered[int(len(ordered) * 0.99) - 1] * 1e3:7.3f} ms"


def run(label: str, url: str, rows: int, rounds: int, folder: Path) -> None:
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    with contextlib.redirect_stdout(io.StringIO()):
        migrate(None)
    rt = runtime(url)
    imports.import_file(rt, CLI, imports.SAMPLES)
    big = catalogue_file(folder / f"{label}-big.csv", rows)
    same = catalogue_file(folder / f"{label}-same.csv", rows, salt="same rows, another file")
    baseline = timed(lambda: check_only(big))
    first = timed(lambda: imports.import_file(rt, CLI, big))
    again = timed(lambda: imports.import_file(rt, CLI, same))
    print(f"{label:10} import {rows:,} rows: {first:6.2f} s   same rows again {again:6.2f} s   "
          f"baseline (read and check only) {baseline:6.2f} s")

    institution, _ = accounts.create_partner(rt, CLI, name="bench pharmacy", kind="pharmacy", level=0,
                                             region_code="370102")
    now = datetime.now(UTC)
    with rt.db.engine.begin() as conn:
        conn.execute(insert(ItemMapping.__table__), [
            dict(id=uuid.uuid4(), institution_id=institution.id, item_code=f"P{n:06d}", national_code=f"BENCH{n * 7:07d}",
                 status="approved", submitted_at=now, submitted_via="cli") for n in range(5000)])
        if rt.db.dialect == "postgresql":
            conn.execute(text("ANALYZE itemmapping; ANALYZE catalogueentry"))
        one_id = conn.execute(select(CatalogueEntry.id).limit(1)).scalar_one()
    for size in (1, 10, 100):
        codes = [f"P{(n * 37) % 5000:06d}" for n in range(size)]
        samples = []
        for _ in range(rounds):
            with rt.db.read() as s:
                started = time.perf_counter()
                found = catalogue_items(s, institution_id=institution.id, item_codes=codes, service_date=date(2026, 8, 1))
                samples.append(time.perf_counter() - started)
        assert len(found) == len(set(codes)), len(found)
        print(f"{label:10} lookup {size:3} codes: {quantiles(samples)}")
    samples = []
    for _ in range(rounds):
        with rt.db.read() as s:
            started = time.perf_counter()
            s.get(CatalogueEntry, one_id)
            samples.append(time.perf_counter() - started)
            s.expunge_all()
    print(f"{label:10} baseline one entry by id: {quantiles(samples)}")
    rt.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite", f"sqlite:///{folder}/bench.db", args.rows, args.rounds, Path(folder))
        admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {NAME}"))
        try:
            run("postgresql", ADMIN.rsplit("/", 1)[0] + f"/{NAME}", args.rows, args.rounds, Path(folder))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)"))
            admin.dispose()


if __name__ == "__main__":
    main()
