"""`make bench`: the settle, request-floor, family-query, roster-import, reconciliation and clearing benchmarks on PostgreSQL (the family
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

import clearing  # noqa: E402
import family_query  # noqa: E402
import import_roster  # noqa: E402
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
            f"Load average {r['load']:.1f} on {os.cpu_count()} cores when it ended; {r['result_rows']:,} result rows.",
            "",
            "Results {:,} balanced (0), {:,} only the service (1), {:,} only the partner (2), {:,} differ (3). "
            .format(*r["counts"]) + f"Totals (3201) for the day: {r['totals_ms']:.0f} ms, beside a plain SUM of "
            f"the institution's day: {r['sum_ms']:.0f} ms."]


def clearing_section(result: dict) -> list[str]:
    return ["", "## Monthly clearing (`bench/clearing.py`, PostgreSQL)", "",
            f"A month of {result['settlements']:,} settlements (and {result['items'].get('refund', 0):,} refunds) at "
            f"200 institutions. Target: preparing the batch within {clearing.TARGET_SECONDS:.0f} s, memory flat.", "",
            "| baseline: SUM ... GROUP BY (s) | prepare: membership + lines (s) | prepare / baseline | items | lines "
            "| client peak memory before, after (MiB) |",
            "|---|---|---|---|---|---|",
            f"| {result['baseline_s']:.2f} | {result['prepare_s']:.1f} | {result['prepare_s'] / result['baseline_s']:.0f}x "
            f"| {sum(result['items'].values()):,} | {result['lines']} | {result['peak_mib_before']:.0f}, "
            f"{result['peak_mib_after']:.0f} |"]


def table(settles: list[dict], family: dict[str, list[dict]], floor: dict[str, list[float]], roster: dict,
          reconciled: dict | None = None, clearing_result: dict | None = None) -> str:
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
        "| in raw SQL: clients, PostgreSQL (ms) | PostgreSQL CPU / raw SQL's (target <= 1.5) | failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(settles, start=1):
        lines.append(f"| {i} | {r['graph']:.0f} | {r['json']:.0f} | {r['raw']:.0f} | {r['graph'] / r['raw']:.0%} "
                     f"| {r['graph'] / r['json']:.0%} | {r['statements']} "
                     f"| {r['cpu_ms']['app']:.1f}, {r['cpu_ms']['postgresql']:.1f} "
                     f"| {r['raw_cpu_ms']['client']:.1f}, {r['raw_cpu_ms']['postgresql']:.1f} "
                     f"| {r['cpu_ms']['postgresql'] / r['raw_cpu_ms']['postgresql']:.2f} | {r['failures']} |")
    during = [r for r in settles if "p99_during_ms" in r]
    for r in during:
        lines += ["", f"Settle's p99 through /graphql while `yibao import-roster` imports {r['import_rows']:,} new "
                  f"people onto as many on file ({r['import_s']:.0f} s): {r['p99_during_ms']:.0f} ms, against "
                  f"{r['p99_ms']:.0f} ms without, {r['p99_during_ms'] / r['p99_ms']:.2f}x (target <= 2x)."]
    lines += ["", "## Roster import (`bench/import_roster.py`, PostgreSQL)", "",
              f"{roster['rows']:,} generated rows. Targets: a new file at >= 50% of the rate of COPY into the same "
              "tables; see docs/scaling.md for the city's 9.3 million.", "",
              "| run | rows/s | seconds | share of COPY into the same tables |", "|---|---|---|---|",
              f"| COPY into person, enrolment, personalaccount (rolled back) | {roster['real']:,.0f} "
              f"| {roster['rows'] / roster['real']:.1f} | |",
              f"| new file: validate + apply | {roster['import']:,.0f} | {roster['validate_s'] + roster['apply_s']:.1f} "
              f"| {roster['import'] / roster['real']:.0%} |",
              f"| the same people again (nothing to do) | {roster['rerun']:,.0f} | {roster['rerun_s']:.1f} | |",
              f"| 1% of the rows changed | {roster['some']:,.0f} | {roster['some_s']:.1f} | |",
              "", f"Peak memory (RSS) of this whole benchmark process: {roster['rss_mib']:.0f} MiB (it ran every "
              "benchmark above first; `bench/import_roster.py` alone shows the import's own, at two sizes in "
              "docs/scaling.md)."]
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
    if clearing_result is not None:
        lines += clearing_section(clearing_result)
    lines += ["", "What the figures mean, and the profiles behind them: [performance.md](performance.md).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--out", default=str(ROOT / "docs/benchmarks.md"))
    parser.add_argument("--roster-rows", type=int, default=100_000)
    parser.add_argument("--during-import", type=int, default=50_000,
                        help="rows the first settle run imports while settling (0: none)")
    args = parser.parse_args()
    settles = [settle.main(["--seconds", str(args.seconds), "--codes", "200"]
                           + (["--during-import", str(args.during_import)] if i == 0 and args.during_import else []))
               for i in range(args.repeat)]
    floor = request_floor.main([])
    family = {"PostgreSQL": family_query.run(scratch_database()), "SQLite": family_query.run(None)}
    roster = import_roster.main(["--rows", str(args.roster_rows)])
    reconciled = reconcile.main([])
    cleared = clearing.main([])
    Path(args.out).write_text(table(settles, family, floor, roster, reconciled, cleared))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
