"""`make bench`: the settle, request-floor, family-query and reconciliation benchmarks on PostgreSQL (the family
page also on SQLite), and the tables in docs/benchmarks.md.

    .venv/bin/python bench/report.py [--repeat 2] [--seconds 10]

Each figure is printed beside its baseline from the same run, so a busy machine moves both; the
settlement benchmark runs `--repeat` times, and the table shows every run, so the spread shows too.
Needs PostgreSQL (BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres as
the admin connection; it creates and drops its own databases).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import family_query  # noqa: E402
import psycopg  # noqa: E402
import reconcile  # noqa: E402
import request_floor  # noqa: E402
import settle  # noqa: E402

FAMILY_DB = "yibao_bench_family"


def scratch_database() -> str:
    with psycopg.connect(settle.ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {FAMILY_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {FAMILY_DB}")
    return settle.ADMIN.rsplit("/", 1)[0] + f"/{FAMILY_DB}"


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load average {load}"


def reconcile_section(r: dict) -> list[str]:
    """The detail reconciliation of `bench/reconcile.py`, beside a plain SELECT of the same settlements."""
    return ["", "## Reconciliation (`bench/reconcile.py`, PostgreSQL)", "",
            f"A partner's detail file of {r['rows']:,} rows ({r['mib']:.1f} MiB) against {r['settlements']:,} "
            "settlements of its day (and half as many of another institution's). Target: the whole at most 30 s.", "",
            "| step | seconds |", "|---|---|",
            f"| plain SELECT of the day's settlements (baseline) | {r['baseline']:.2f} |",
            f"| read and check the file | {r['reading']:.2f} |",
            f"| reconcile: COPY into a temporary table, one join | {r['reconcile']:.2f} |",
            f"| write the result file | {r['writing']:.2f} |",
            f"| **whole, file in to result file out** | **{r['whole']:.2f}** |", "",
            "Results {:,} balanced (0), {:,} only the service (1), {:,} only the partner (2), {:,} differ (3). "
            .format(*r["counts"]) + f"Totals (3201) for the day: {r['totals_ms']:.0f} ms, beside a plain SUM of "
            f"the institution's day: {r['sum_ms']:.0f} ms."]


def table(settles: list[dict], family: dict[str, list[dict]], floor: dict[str, list[float]],
          reconciled: dict | None = None) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/report.py`); each figure stands beside its baseline from the same run.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        "",
        "## Settle (`bench/settle.py`, PostgreSQL)",
        "",
        f"{settles[0]['clients']} clients, {settles[0]['workers']} uvicorn workers, {settles[0]['seconds']:.0f} s "
        "per phase. Targets: /graphql at least 1/3 of raw SQL and at least 80% of the plain JSON endpoint.",
        "",
        "| run | /graphql (/s) | plain JSON (/s) | raw SQL (/s) | graph / raw SQL | graph / JSON "
        "| statements per settlement | CPU per settlement through /graphql: app, PostgreSQL (ms) "
        "| in raw SQL: clients, PostgreSQL (ms) | failed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(settles, start=1):
        lines.append(f"| {i} | {r['graph']:.0f} | {r['json']:.0f} | {r['raw']:.0f} | {r['graph'] / r['raw']:.0%} "
                     f"| {r['graph'] / r['json']:.0%} | {r['statements']} "
                     f"| {r['cpu_ms']['app']:.1f}, {r['cpu_ms']['postgresql']:.1f} "
                     f"| {r['raw_cpu_ms']['client']:.1f}, {r['raw_cpu_ms']['postgresql']:.1f} | {r['failures']} |")
    lines += ["", "## CPU per request, layer by layer (`bench/request_floor.py`, PostgreSQL, in-process)", "",
              "The app driven by httpx in one process; CPU milliseconds per request with the client's share, "
              "each round of 300 requests.", "",
              "| request | " + " | ".join(f"round {i}" for i in range(1, len(next(iter(floor.values()))) + 1)) + " |",
              "|---|" + "---|" * len(next(iter(floor.values())))]
    for name, values in floor.items():
        lines.append(f"| {name} | " + " | ".join(f"{v:.2f} ms" for v in values) + " |")
    lines += ["", "## The family page's query (`bench/family_query.py`)", "",
              f"{family_query.ROUNDS} rounds in-process. Targets: at most 8 statements at any size, at least 1/3 "
              "of the hand-written baseline's rate.", "",
              "| database | relatives | graph statements | graph (ops/s) | baseline statements | baseline (ops/s) "
              "| graph / baseline |",
              "|---|---|---|---|---|---|---|"]
    for database, rows in family.items():
        for r in rows:
            lines.append(f"| {database} | {r['relatives']} | {r['graph_statements']} | {r['graph']:.0f} "
                         f"| {r['baseline_statements']} | {r['baseline']:.0f} | {r['graph'] / r['baseline']:.0%} |")
    if reconciled:
        lines += reconcile_section(reconciled)
    lines += ["", "What the figures mean, and the profiles behind them: [performance.md](performance.md).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--out", default=str(ROOT / "docs/benchmarks.md"))
    args = parser.parse_args()
    settles = [settle.main(["--seconds", str(args.seconds), "--codes", "200"]) for _ in range(args.repeat)]
    floor = request_floor.main([])
    family = {"PostgreSQL": family_query.run(scratch_database()), "SQLite": family_query.run(None)}
    reconciled = reconcile.main([])
    Path(args.out).write_text(table(settles, family, floor, reconciled))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
