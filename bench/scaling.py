"""Settle throughput by the number of uvicorn worker processes, for docs/scaling.md.

    .venv/bin/python bench/scaling.py [--workers 1 2 4] [--seconds 10] [--codes 200] [--no-pgbouncer]

Runs bench/settle.py once per worker count (each run beside its own raw SQL baseline) and once more with
the most workers through pgbouncer in transaction pooling mode, and prints a Markdown table with the load
average before each run: the machine is shared, so read each rate beside its baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import settle  # noqa: E402


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--codes", type=int, default=200)
    parser.add_argument("--no-pgbouncer", action="store_true")
    args = parser.parse_args(argv)
    plan = [(w, False) for w in args.workers] + ([] if args.no_pgbouncer else [(max(args.workers), True)])
    runs = []
    for workers, pooled in plan:
        load = _load()
        result = settle.main(["--workers", str(workers), "--seconds", str(args.seconds), "--codes", str(args.codes),
                              *(["--pgbouncer"] if pooled else [])])
        runs.append({**result, "load": load, "load_after": _load()})
    print()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, {runs[0]['clients']} clients, "
          f"{args.seconds:.0f} s per phase")
    print()
    print("| uvicorn workers | database connection | /graphql (settlements/s) | p50 (ms) | plain JSON (/s) "
          "| raw SQL baseline (/s) | graph / raw SQL | CPU per settlement: app, PostgreSQL (ms) | failed "
          "| load average before (1, 5, 15 min) | after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        via = "pgbouncer, transaction pooling" if r["pgbouncer"] else "direct"
        cpu_ms = r["cpu_ms"]
        spent = f"{cpu_ms['app']:.1f}, {cpu_ms['postgresql']:.1f}"
        spent += f" (+ pgbouncer {cpu_ms['pgbouncer']:.1f})" if "pgbouncer" in cpu_ms else ""
        print(f"| {r['workers']} | {via} | {r['graph']:.0f} | {r['graph_p50_ms']:.0f} | {r['json']:.0f} "
              f"| {r['raw']:.0f} | {r['graph'] / r['raw']:.0%} | {spent} | {r['failures']} | {r['load']} "
              f"| {r['load_after']} |")
    return runs


if __name__ == "__main__":
    main()
