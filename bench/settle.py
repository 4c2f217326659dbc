"""Settlements per second and p50/p99 latency through /graphql, beside the database's own limit.

    .venv/bin/python bench/settle.py [--clients 16] [--seconds 10] [--workers 2]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres as
the admin connection; a database `yibao_bench` is created fresh). It runs, in the same process run:

1. the service (uvicorn, `--workers` processes) and 16 client threads posting the `settle` mutation
   with a partner API key: resident children whose personal burden their parents' grants pay (four
   children per grantor, so grantor accounts are contended as in a family);
2. the baseline: the same ledger writes in raw SQL from 16 threads (lock two accounts, consume a
   code, insert a settlement, three postings and an audit row, two balance updates, commit).

It prints both rates and latencies, their ratio, and the SQL statements one settlement issues.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import event  # noqa: E402

ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = "yibao_bench"
URL = ADMIN.rsplit("/", 1)[0] + f"/{NAME}"
SECRET = "bench-secret-key"

SETTLE = """mutation($input: SettleInput!) { settle(input: $input) { __typename
  ... on SettlementPayload { settlement { id cashFen } } ... on OperationError { code message } } }"""


def fresh_database() -> None:
    with psycopg.connect(ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")


def setup(children: int, codes_per_child: int):
    os.environ.update(DATABASE_URL=URL, SECRET_KEY=SECRET, YIBAO_ENV="production", CODE_TTL_SECONDS="600",
                      PASSWORD_TIME_COST="1", PASSWORD_MEMORY_COST_KIB="1024")
    from backend.cli import migrate
    from backend.config import get_settings
    from backend.domain.idnumber import Sex, make_id_number
    from backend.principals import SYSTEM, Actor, Channel, Principal, PrincipalKind
    from backend.runtime import Runtime
    from backend.services import accounts, bindings, codes, family, grants

    get_settings.cache_clear()
    with contextlib.redirect_stdout(io.StringIO()):
        migrate(None)
    rt = Runtime.from_settings()
    cli = Actor(SYSTEM, Channel.CLI)
    clerk = accounts.create_staff(rt, cli, username="benchclerk", name="clerk", role="clerk", password="x")
    clerk_actor = Actor(Principal(PrincipalKind.STAFF, clerk.id, "clerk", "clerk"), Channel.CLI)
    _, key = accounts.create_partner(rt, cli, name="bench pharmacy", kind="pharmacy", level=0, region_code="370102")

    def as_person(p):
        return Actor(Principal(PrincipalKind.HOUSEHOLD, p.id), Channel.CLI)

    code_lists = []
    grantor = None
    for i in range(children):
        if i % 4 == 0:
            grantor = accounts.register_person(rt, cli, accounts.NewPerson(
                f"家长{i}", make_id_number("370102", date(1970, 1, 1 + i // 4), i // 4, Sex.MALE), "employee",
                "370102", balance_fen=10**10))
        child = accounts.register_person(rt, cli, accounts.NewPerson(
            f"孩子{i}", make_id_number("370102", date(2000, 1, 1 + i % 28), i, Sex.FEMALE), "resident", "370102"))
        claim = family.claim_relationship(rt, as_person(grantor), id_number=child.id_number, name=child.name,
                                          kind="child")
        family.verify_relationship(rt, clerk_actor, claim.id, "registry")
        bindings.activate_voucher(rt, as_person(child))
        grants.create_grant(rt, as_person(grantor), child.id)
        code_lists.append([codes.issue_code(rt, as_person(child), child.id).text for _ in range(codes_per_child)])
    return rt, key, code_lists


def statements_per_settlement(rt, code: str) -> int:
    from sqlmodel import select

    from backend.domain.settlement import BillLine, Category, VisitType
    from backend.principals import Actor, Channel, Principal, PrincipalKind
    from backend.services import settlement
    from backend.storage.models import Institution

    with rt.db.read() as s:
        inst = s.exec(select(Institution)).first()
    counter = {"n": 0}

    def count(*_):
        counter["n"] += 1

    event.listen(rt.db.engine, "before_cursor_execute", count)
    settlement.settle(rt, Actor(Principal(PrincipalKind.PARTNER, inst.id, inst.name, "pharmacy"), Channel.CLI),
                      settlement.SettleRequest(code=code, visit_type=VisitType.PHARMACY, service_date=date.today(),
                                               lines=_lines(BillLine, Category), idempotency_key="count-statements"))
    event.remove(rt.db.engine, "before_cursor_execute", count)
    return counter["n"]


def _lines(BillLine, Category):  # noqa: N803
    return [BillLine("86900001", "阿莫西林", Category.A, 2500, 2), BillLine("69000002", "喉糖", Category.NON_MEDICAL, 850, 1)]


def serve(workers: int) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(ROOT / ".venv/bin/uvicorn"), "web.app:create_app", "--factory", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
                            cwd=ROOT, env=os.environ.copy())
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/login", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def run_clients(clients: int, seconds: float, work) -> tuple[int, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(i: int) -> None:
        mine = []
        n = 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            if not work(i, n):
                break
            mine.append(time.perf_counter() - start)
            n += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def graphql_run(base: str, key: str, code_lists, clients: int, seconds: float):
    sessions = [httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
                for _ in range(clients)]
    failures = []

    def work(i: int, n: int) -> bool:
        if n >= len(code_lists[i]):
            return False
        body = {"query": SETTLE, "variables": {"input": {
            "code": code_lists[i][n], "visitType": "PHARMACY", "serviceDate": date.today().isoformat(),
            "idempotencyKey": f"bench-{i}-{n}-{uuid.uuid4().hex[:8]}",
            "lines": [{"itemCode": "86900001", "name": "阿莫西林", "category": "A", "unitPriceFen": 2500, "quantity": 2},
                      {"itemCode": "69000002", "name": "喉糖", "category": "NON_MEDICAL", "unitPriceFen": 850}]}}}
        result = sessions[i].post("/graphql", json=body).json()
        if result.get("errors") or result["data"]["settle"]["__typename"] != "SettlementPayload":
            failures.append(result)
        return True

    rate, latencies = run_clients(clients, seconds, work)
    for s in sessions:
        s.close()
    return rate, latencies, failures


def raw_sql_run(clients: int, seconds: float):
    dsn = URL.replace("+psycopg", "")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("""
            DROP TABLE IF EXISTS raw_posting, raw_audit, raw_settlement, raw_code, raw_account;
            CREATE TABLE raw_account (id uuid PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0));
            CREATE TABLE raw_code (id uuid PRIMARY KEY, digest text UNIQUE NOT NULL, used boolean NOT NULL);
            CREATE TABLE raw_settlement (id uuid PRIMARY KEY, code_id uuid UNIQUE NOT NULL, amount bigint NOT NULL,
                                         created_at timestamptz NOT NULL DEFAULT now());
            CREATE TABLE raw_posting (id uuid PRIMARY KEY, settlement_id uuid NOT NULL, account text NOT NULL,
                                      amount bigint NOT NULL);
            CREATE TABLE raw_audit (id uuid PRIMARY KEY, action text NOT NULL, detail text NOT NULL,
                                    at timestamptz NOT NULL DEFAULT now());""")
        grantors = [uuid.uuid4() for _ in range(max(1, clients // 4))]
        institution = uuid.uuid4()
        for g in [*grantors, institution]:
            conn.execute("INSERT INTO raw_account VALUES (%s, %s)", (g, 10**12))
        codes_by_client = [[uuid.uuid4().hex for _ in range(20000)] for _ in range(clients)]
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO raw_code VALUES (%s, %s, false)",
                            [(uuid.uuid4(), d) for lst in codes_by_client for d in lst])
    connections = [psycopg.connect(dsn) for _ in range(clients)]

    def work(i: int, n: int) -> bool:
        conn = connections[i]
        grantor = grantors[i % len(grantors)]
        with conn.transaction():
            first, second = sorted([grantor, institution])
            conn.execute("SELECT balance FROM raw_account WHERE id IN (%s, %s) ORDER BY id FOR UPDATE", (first, second))
            row = conn.execute("UPDATE raw_code SET used = true WHERE digest = %s AND NOT used RETURNING id",
                               (codes_by_client[i][n],)).fetchone()
            settlement = uuid.uuid4()
            conn.execute("INSERT INTO raw_settlement (id, code_id, amount) VALUES (%s, %s, %s)", (settlement, row[0], 5850))
            for account, amount in (("fund", -2500), (f"personal:{grantor}", -2500), (f"institution:{institution}", 5000)):
                conn.execute("INSERT INTO raw_posting VALUES (%s, %s, %s, %s)", (uuid.uuid4(), settlement, account, amount))
            conn.execute("INSERT INTO raw_audit (id, action, detail) VALUES (%s, 'settlement.create', '{}')",
                         (uuid.uuid4(),))
            conn.execute("UPDATE raw_account SET balance = balance - 2500 WHERE id = %s", (grantor,))
            conn.execute("UPDATE raw_account SET balance = balance + 2500 WHERE id = %s", (institution,))
        return True

    rate, latencies = run_clients(clients, seconds, work)
    for c in connections:
        c.close()
    return rate, latencies


def describe(name: str, rate: float, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"{name:<34} {rate:>8.0f}/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   ({len(ordered)} settlements)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--codes", type=int, default=400, help="codes issued per client beforehand")
    args = parser.parse_args()
    fresh_database()
    print(f"setting up {args.clients} grantees and {args.clients * args.codes} codes ...", flush=True)
    rt, key, code_lists = setup(args.clients, args.codes + 1)
    statements = statements_per_settlement(rt, code_lists[0].pop())
    proc, base = serve(args.workers)
    if os.environ.get("BENCH_PAUSE"):
        print("server pid", proc.pid, flush=True)
    try:
        rate, latencies, failures = graphql_run(base, key, code_lists, args.clients, args.seconds)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    raw_rate, raw_latencies = raw_sql_run(args.clients, args.seconds)
    print(f"PostgreSQL, {args.clients} concurrent clients, {args.seconds:.0f} s each, "
          f"uvicorn workers: {args.workers}, cores: {os.cpu_count()}")
    print(describe("settle through /graphql", rate, latencies))
    print(describe("baseline: same writes in raw SQL", raw_rate, raw_latencies))
    print(f"graph / baseline: {rate / raw_rate:.0%}   SQL statements per settlement: {statements}   "
          f"failed requests: {len(failures)}")
    if failures:
        print("first failure:", failures[0])
    rt.db.dispose()


if __name__ == "__main__":
    main()
