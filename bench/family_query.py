"""The family page's GraphQL read: SQL statements per operation and operations per second.

Prints, for families of 5, 20 and 50 relatives, how many SQL statements one "my family" query
issues through the graph (DataLoaders batch every relation, so the count must not grow with the
family) and its throughput in-process, beside the baseline: the same rows read with three
hand-written queries in the same run, timed in alternating chunks of rounds.

    .venv/bin/python bench/family_query.py            # SQLite in a temporary file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/family_query.py
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, or_, text  # noqa: E402
from sqlmodel import select  # noqa: E402

from backend.cli import migrate  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.domain.idnumber import Sex, make_id_number  # noqa: E402
from backend.graph.core.context import build_context  # noqa: E402
from backend.graph.schema import build_schema  # noqa: E402
from backend.principals import SYSTEM, Actor, Channel, Principal, PrincipalKind  # noqa: E402
from backend.runtime import Runtime  # noqa: E402
from backend.services.people import accounts, family
from backend.storage.db import Database  # noqa: E402
from backend.storage.models import Enrolment, Person, Relationship  # noqa: E402

DOCUMENT = (Path(__file__).resolve().parent.parent / "web/templates/family/family.graphql").read_text()
ROUNDS = 200
CHUNK = 20  # rounds of one side before the other runs


def setup(url: str, relatives: int) -> tuple[Runtime, Principal]:
    settings = Settings(database_url=url, secret_key="bench", password_time_cost=1, password_memory_cost_kib=1024)
    os.environ["DATABASE_URL"] = url
    from backend.config import get_settings
    get_settings.cache_clear()
    with contextlib.redirect_stdout(io.StringIO()):
        migrate(None)
    rt = Runtime(db=Database.from_url(url), settings=settings)
    if rt.db.dialect == "postgresql":
        with rt.db.engine.begin() as c:
            c.execute(text("TRUNCATE person, enrolment, personalaccount, relationship, household, householdmember, "
                           "auditevent, staffuser, institution, apikey CASCADE"))
    cli = Actor(SYSTEM, Channel.CLI)
    me = accounts.register_person(rt, cli, accounts.NewPerson(
        "本人", make_id_number("370102", date(1980, 1, 1), 1, Sex.MALE), "employee", "370102", balance_fen=1000))
    me_actor = Actor(Principal(PrincipalKind.HOUSEHOLD, me.id), Channel.CLI)
    clerk = accounts.create_staff(rt, cli, username="benchclerk", name="clerk", role="clerk", password="x")
    clerk_actor = Actor(Principal(PrincipalKind.STAFF, clerk.id, "clerk", "clerk"), Channel.CLI)
    for i in range(relatives):
        born = date(1950 + i % 20, 1 + i % 12, 1 + i % 28)
        rel = accounts.register_person(rt, cli, accounts.NewPerson(
            f"亲属{i}", make_id_number("370102", born, i % 100, Sex.FEMALE), "resident", "370102"))
        claim = family.claim_relationship(rt, me_actor, id_number=rel.id_number, name=rel.name, kind="parent")
        family.verify_relationship(rt, clerk_actor, claim.id, "registry")
    return rt, Principal(PrincipalKind.HOUSEHOLD, me.id, "本人")


def count_statements(rt: Runtime):
    counter = {"n": 0}

    @event.listens_for(rt.db.engine, "before_cursor_execute")
    def _count(*_args):
        counter["n"] += 1

    return counter, lambda: event.remove(rt.db.engine, "before_cursor_execute", _count)


LOOP = asyncio.new_event_loop()  # one loop for the whole run, as in the server


def run_graph(rt: Runtime, schema, principal: Principal) -> None:
    async def once():
        ctx = await build_context(rt, principal, Channel.WEB, "zh_CN")
        result = await schema.execute(DOCUMENT, context_value=ctx)
        assert not result.errors, result.errors

    LOOP.run_until_complete(once())


def run_baseline(rt: Runtime, principal: Principal) -> None:
    with rt.db.read() as s:
        rels = s.exec(select(Relationship).where(or_(Relationship.person_id == principal.id,
                                                     Relationship.relative_id == principal.id))).all()
        ids = [r.person_id if r.relative_id == principal.id else r.relative_id for r in rels] + [principal.id]
        s.exec(select(Person).where(Person.id.in_(ids))).all()
        s.exec(select(Enrolment).where(Enrolment.person_id.in_(ids))).all()


def measure(graph, baseline) -> tuple[float, float]:
    """Rates of both, timed in alternating chunks of rounds: the machine is shared, and a change of load
    in the middle of a run then falls on the graph and its baseline alike, not on one of them."""
    graph()
    baseline()
    spent = [0.0, 0.0]
    for _ in range(ROUNDS // CHUNK):
        for i, fn in enumerate((graph, baseline)):
            start = time.perf_counter()
            for _ in range(CHUNK):
                fn()
            spent[i] += time.perf_counter() - start
    return ROUNDS / spent[0], ROUNDS / spent[1]


def run(given: str | None) -> list[dict]:
    """The figures for 5, 20 and 50 relatives on the database `given` (None: a temporary SQLite file)."""
    print(f"database: {(given or 'sqlite (temporary file)').split('@')[-1]}   rounds: {ROUNDS}")
    print(f"{'relatives':>9} {'graph stmts':>11} {'graph ops/s':>11} {'baseline stmts':>14} {'baseline ops/s':>14}"
          f" {'ratio':>6}")
    rows = []
    for relatives in (5, 20, 50):
        url = given or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
        rt, principal = setup(url, relatives)
        schema = build_schema(rt.settings)
        counter, stop = count_statements(rt)
        run_graph(rt, schema, principal)
        graph_statements = counter["n"]
        counter["n"] = 0
        run_baseline(rt, principal)
        baseline_statements = counter["n"]
        stop()
        graph_rate, baseline_rate = measure(functools.partial(run_graph, rt, schema, principal),
                                            functools.partial(run_baseline, rt, principal))
        print(f"{relatives:>9} {graph_statements:>11} {graph_rate:>11.0f} {baseline_statements:>14} {baseline_rate:>14.0f}"
              f" {graph_rate / baseline_rate:>6.0%}")
        rows.append({"relatives": relatives, "graph_statements": graph_statements, "graph": graph_rate,
                     "baseline_statements": baseline_statements, "baseline": baseline_rate})
        rt.db.dispose()
    return rows


def main() -> None:
    run(os.environ.get("DATABASE_URL"))


if __name__ == "__main__":
    main()
