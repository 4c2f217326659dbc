"""Kill: the served app is SIGKILLed five times at seeded random moments while partners settle and refund,
and started again. A client whose connection dies does not know what happened and sends the same
request, same key, once the app is back. Each time, the ledger check must find the database whole as
the crash left it (no settlement half-written, no postings without their settlement, every balance
its postings), and `yibao verify-ledger` must find it whole again once the app is back and busy. At
the end, every key has exactly one outcome and the balances are what the answers say.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time

import pytest

from backend.config import PROJECT_ROOT
from backend.services.money.ledger_check import LedgerReport, verify
from tests.faults import world
from tests.faults.figures import record
from tests.faults.load import Plan, check_money_whole, run_clients

pytestmark = pytest.mark.load

KILLS = 5
SEED = 20261202
# Clients settle until the last restart has served a little traffic; the per-client count only bounds it.
PLAN = Plan(clients=16, settlements_per_client=400, seed=SEED)


def verify_ledger_command(database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backend.cli", "verify-ledger"], cwd=PROJECT_ROOT, timeout=120,
                          env={**os.environ, **world.server_environment(database_url)}, capture_output=True, text=True)


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_killed_app_neither_loses_nor_makes_money(rt, database_url, served_app):
    family = world.build(world.live_runtime(rt.db), children=24, grantor_fen=30_000_00, spouse_fen=2_000_00)
    rng = random.Random(SEED)
    stop = threading.Event()
    served = threading.Event()  # set by each settlement the current app process answered
    checks: list[subprocess.CompletedProcess] = []
    crash_reports: list[LedgerReport] = []
    restarts: list[float] = []
    failures: list[BaseException] = []

    def killer() -> None:
        try:
            for _ in range(KILLS):
                while not served.wait(timeout=0.5):  # kill an app that is serving, not one still starting
                    if stop.is_set():
                        return
                time.sleep(rng.uniform(0.2, 3.0))
                if stop.is_set():
                    return
                served_app.kill()
                # As the crash left it, before anything else writes; then live, with the partners back.
                crash_reports.append(verify(rt.db))
                served.clear()
                restarts.append(served_app.start())
                checks.append(verify_ledger_command(database_url))
            time.sleep(2.0)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            failures.append(exc)
        finally:
            stop.set()

    thread = threading.Thread(target=killer, name="killer")
    thread.start()
    tally, seconds = run_clients(family, served_app.base_url, PLAN, stop=stop, progress=served.set)
    stop.set()
    thread.join()
    assert not failures, failures
    assert served_app.kills == KILLS, "the clients finished before every kill"
    for report in crash_reports:
        assert report.ok, report.broken
    for check in checks:
        assert check.returncode == 0, check.stdout + check.stderr
    assert tally.unknown_outcomes >= KILLS
    checked = check_money_whole(family, tally)
    record(f"kill [{rt.db.dialect}] {KILLS} SIGKILLs under {PLAN.clients} clients: {tally.requests} requests answered "
           f"({tally.attempts} sent), {tally.unknown_outcomes} cut or refused and sent again with the same key, "
           f"{len(tally.settled)} settled, {len(tally.refused)} refused, {len(tally.refunded)} refunds in {seconds:.1f} s; restart "
           f"{min(restarts):.1f}-{max(restarts):.1f} s; verify-ledger after each kill and each restart: "
           f"{len(crash_reports)} + {len(checks)} x ok; "
           f"{checked.invariants} invariants at the end")
