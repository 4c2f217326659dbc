"""Load: 16 partner clients settle against one grantor's account through a served /graphql, retrying
some requests with the same key and refunding some; afterwards the money is whole (R14).

Marked `load` (`make test` runs it; `pytest -m "not load"` leaves it out for a quick local run).
"""

from __future__ import annotations

import os

import pytest

from tests.faults import world
from tests.faults.figures import record
from tests.faults.load import Plan, check_money_whole, run_clients

pytestmark = pytest.mark.load

# CI runs the full 16 x 500 through the graph on PostgreSQL, the production database; SQLite, and any
# local run, 16 x 80 (docs/testing.md). LOAD_SETTLEMENTS_PER_CLIENT sets any size for both.
_IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def plan_for(backend: str) -> Plan:
    full = _IN_CI and backend == "postgresql"
    return Plan(clients=16, settlements_per_client=int(os.environ.get("LOAD_SETTLEMENTS_PER_CLIENT",
                                                                       "500" if full else "80")))

# About 100 yuan per settlement: the grantor's account runs dry part-way, so the overdraft guard is exercised.
GRANTOR_FEN_PER_SETTLEMENT = 100_00


@pytest.mark.served_workers(2)
@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_concurrent_partners_keep_one_grantors_money_whole(rt, database_url, served_app):
    plan = plan_for(rt.db.dialect)
    settlements = plan.clients * plan.settlements_per_client
    family = world.build(world.live_runtime(rt.db), children=24, grantor_fen=settlements * GRANTOR_FEN_PER_SETTLEMENT,
                         spouse_fen=2_000_00)
    tally, seconds = run_clients(family, served_app.base_url, plan)
    checked = check_money_whole(family, tally)
    # The run reached the edge it is meant to test: the grantor's account could not pay for everything.
    assert tally.refused and tally.refunded and len(tally.settled) + len(tally.refused) == settlements
    backend = rt.db.dialect
    record(f"load [{backend}] {plan.clients} clients x {plan.settlements_per_client}: {tally.requests} requests "
           f"({len(tally.settled)} settled, {len(tally.refused)} refused INSUFFICIENT_FUNDS, {len(tally.refunded)} "
           f"refunds, {tally.requests - settlements - len(tally.refunded)} same-key repeats; "
           f"{tally.unknown_outcomes} unanswered at first) in {seconds:.1f} s = "
           f"{len(tally.settled) / seconds:.1f} settlements/s, {tally.requests / seconds:.1f} requests/s; "
           f"{checked.invariants} invariants checked ({len(checked.report.results)} by verify-ledger over "
           f"{checked.report.checked['postings']} postings in {checked.report.seconds:.2f} s)")
