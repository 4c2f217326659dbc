"""CPU time a benchmark phase costs the app processes and PostgreSQL's backends, read from /proc (Linux).

On a machine shared with other jobs a rate says how much CPU the benchmark was given; CPU seconds per
settlement say what a settlement costs, which is what sizing needs (docs/scaling.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User plus system time of one process; 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state is field 3
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime: fields 14 and 15


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (uvicorn's parent and its workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def backends(dsn: str, database: str) -> list[int]:
    """PostgreSQL's server processes connected to `database` (the server must be on this machine)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (database,))]


class Meter:
    """CPU seconds that the processes named by `pids()` spend between `start()` and `stop()`."""

    def __init__(self, pids) -> None:
        self.pids = pids
        self.before: dict[int, float] = {}

    def start(self) -> None:
        self.before = {pid: _cpu_seconds(pid) for pid in self.pids()}

    def stop(self) -> float:
        # A process started meanwhile (a new connection's backend) counts from zero.
        return sum(_cpu_seconds(pid) - self.before.get(pid, 0.0) for pid in self.pids())
