"""Settlements per second and p50/p99 latency through /graphql, beside the database's own limit.

    .venv/bin/python bench/settle.py [--clients 16] [--seconds 10] [--workers 2] [--pgbouncer]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres as
the admin connection; a database `yibao_bench` is created fresh). It runs, in the same process run:

1. the service (uvicorn, `--workers` processes) and 16 client threads posting the `settle` mutation
   with a partner API key: resident children whose personal burden their parents' grants pay (four
   children per grantor, so grantor accounts are contended as in a family);
2. the same use case behind a plain Starlette JSON endpoint that this script mounts on the same app
   (`bench_app`: same bearer authentication, same service call, the settlement read back the same
   way), which separates what GraphQL costs from what the service and the ORM cost;
3. the baseline: the same ledger writes in raw SQL from 16 threads (lock two accounts, consume a
   code, insert a settlement, three postings and an audit row, two balance updates, commit).

It prints the three rates and latencies, the two ratios, the SQL statements one settlement issues, and
the CPU time one settlement cost the app processes and PostgreSQL through /graphql, and the clients and
PostgreSQL in raw SQL (bench/cpu.py): where the two rates differ, these say whose CPU the difference is.
With --during-import ROWS it first loads ROWS people (a roster import), then settles through /graphql once
more while `yibao import-roster` imports ROWS other people in its own process, and prints settle's p99 with
and without the import beside each other (issue 21: within 2x). With --pgbouncer the served app (1 and 2)
connects through pgbouncer in transaction pooling mode, started
here as the tests start it (tests/pgbouncer.py); the raw SQL baseline stays direct.
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
sys.path.insert(0, str(ROOT / "bench"))

import cpu  # noqa: E402
import httpx  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy import event  # noqa: E402

ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = os.environ.get("BENCH_DATABASE_NAME", "yibao_bench")
URL = ADMIN.rsplit("/", 1)[0] + f"/{NAME}"
SECRET = "bench-secret-key"

SETTLE = """mutation($input: SettleInput!) { settle(input: $input) { __typename
  ... on SettlementPayload { settlement { id cashFen } } ... on OperationError { code message } } }"""


def bench_app():
    """The service's app plus POST /bench/settle: the settle use case as plain JSON, for comparison."""
    from datetime import date as date_
    from uuid import UUID

    from anyio import to_thread
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from backend.domain.errors import DomainError
    from backend.domain.settlement import BillLine, Category, VisitType
    from backend.principals import Actor, Channel
    from backend.services.money import settlement
    from backend.storage.models import Settlement
    from web.app import create_app
    from web.security import bearer_refusal, client_address, principal_from_bearer

    async def settle(request: Request) -> JSONResponse:
        state = request.app.state
        try:
            principal = await principal_from_bearer(state.rt, state.signer, request.headers.get("authorization"),
                                                    client_address(request))
        except DomainError as refused:  # a bad key, or too many of them: as /graphql answers
            status, headers = bearer_refusal(refused)
            return JSONResponse({"error": refused.code.value}, status_code=status, headers=headers)
        if not principal.is_partner:
            return JSONResponse({"error": "NOT_ALLOWED"}, status_code=403)
        body = await request.json()
        settle_request = settlement.SettleRequest(
            code=body["code"], visit_type=VisitType[body["visitType"]], service_date=date_.fromisoformat(body["serviceDate"]),
            idempotency_key=body["idempotencyKey"],
            lines=[BillLine(ln["itemCode"], ln["name"], Category[ln["category"]] if ln.get("category") else None,
                            ln["unitPriceFen"], ln.get("quantity", 1)) for ln in body["lines"]])

        def work():
            settlement_id = settlement.settle(state.rt, Actor(principal, Channel.GRAPHQL), settle_request)
            with state.rt.db.read() as s:
                return s.get(Settlement, settlement_id)

        try:
            row = await to_thread.run_sync(work)
        except DomainError as error:
            return JSONResponse({"error": error.code.value}, status_code=400)
        return JSONResponse({"id": UUID(str(row.id)).hex, "cashFen": row.cash_fen})

    from starlette.applications import Starlette

    app = create_app()
    plain = Starlette(routes=[Route("/bench/settle", settle, methods=["POST"])])
    plain.state.rt, plain.state.signer = app.state.rt, app.state.signer

    async def dispatch(scope, receive, send):
        # Beside the app's page middleware (sessions, CSRF), as an API of its own would be.
        if scope["type"] == "http" and scope["path"] == "/bench/settle":
            await plain(scope, receive, send)
        else:
            await app(scope, receive, send)

    return dispatch


def fresh_database() -> None:
    with psycopg.connect(ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")


def setup(children: int, codes_per_child: int):
    os.environ.update(DATABASE_URL=URL, SECRET_KEY=SECRET, YIBAO_ENV="production", CODE_TTL_SECONDS="600",
                      PASSWORD_TIME_COST="1", PASSWORD_MEMORY_COST_KIB="1024")
    from backend import demo
    from backend.cli import migrate
    from backend.config import get_settings
    from backend.domain.idnumber import Sex, make_id_number
    from backend.principals import SYSTEM, Actor, Channel, Principal, PrincipalKind
    from backend.runtime import Runtime
    from backend.services.catalogue import imports as catalogue
    from backend.services.family_account import bindings, codes
    from backend.services.money import grants
    from backend.services.people import accounts, family
    from backend.services.region import parameters

    get_settings.cache_clear()
    with contextlib.redirect_stdout(io.StringIO()):
        migrate(None)
    rt = Runtime.from_settings()
    cli = Actor(SYSTEM, Channel.CLI)
    parameters.import_file(rt, cli, parameters.SAMPLES)
    clerk = accounts.create_staff(rt, cli, username="benchclerk", name="clerk", role="clerk", password="x")
    clerk_actor = Actor(Principal(PrincipalKind.STAFF, clerk.id, "clerk", "clerk"), Channel.CLI)
    institution, key = accounts.create_partner(rt, cli, name="bench pharmacy", kind="pharmacy", level=0,
                                               region_code="370102")
    # Settlement goes through the catalogue (R18): the sample catalogue, and the demo pharmacy's item mappings.
    catalogue.import_file(rt, cli, catalogue.SAMPLES)
    demo.map_items(rt, Principal(PrincipalKind.PARTNER, institution.id, institution.name, "pharmacy"), "demo-pharmacy")

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
        codes.issue_code(rt, as_person(child), child.id)  # the use case once (audit, checks) ...
        code_lists.append(_bulk_codes(rt, child.id, codes_per_child))  # ... and the rest in one statement
    return rt, key, code_lists


def _bulk_codes(rt, subject_id, count: int) -> list[str]:
    """Live codes the child shows for themselves, as `issue_code` stores them, written in one executemany."""
    from datetime import timedelta

    from sqlalchemy import insert

    from backend.domain.codes import CodeStatus, code_digest, make_code
    from backend.storage.models import PresentedCode

    now = rt.clock.now()
    texts = [make_code(rt.code_key, rt.tokens.token_bytes(16)) for _ in range(count)]
    rows = [dict(id=uuid.uuid4(), code_sha256=code_digest(t), subject_id=subject_id, presenter_id=subject_id,
                 binding_id=None, status=CodeStatus.LIVE.value, issued_at=now, payer_order=None, used_at=None,
                 expires_at=now + timedelta(seconds=rt.settings.code_ttl_seconds)) for t in texts]
    rt.db.write(lambda s: s.execute(insert(PresentedCode.__table__), rows))
    return texts


def statements_per_settlement(rt, code: str) -> int:
    from sqlmodel import select

    from backend.domain.settlement import BillLine, Category, VisitType
    from backend.principals import Actor, Channel, Principal, PrincipalKind
    from backend.services.money import settlement
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
    # Amoxicillin is mapped (class A, capped at 12.80 a box: 24.40 over the limit); the throat sweets are not.
    return [BillLine("86900001", "阿莫西林", None, 2500, 2), BillLine("69000002", "喉糖", None, 850, 1)]


def serve(workers: int, **env: str) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(ROOT / ".venv/bin/uvicorn"), "settle:bench_app", "--factory", "--app-dir",
                             str(ROOT / "bench"), "--host", "127.0.0.1",
                             "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
                            cwd=ROOT, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/login", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def run_clients(clients: int, seconds: float, work, until: threading.Event | None = None) -> tuple[int, list[float]]:
    """Clients run `work` for `seconds`, or (`until`) until that event is set."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(i: int) -> None:
        mine = []
        n = 0
        while time.perf_counter() < deadline and not (until is not None and until.is_set()):
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


def _settle_input(code: str, i: int, n: int) -> dict:
    return {"code": code, "visitType": "PHARMACY", "serviceDate": date.today().isoformat(),
            "idempotencyKey": f"bench-{i}-{n}-{uuid.uuid4().hex[:8]}",
            "lines": [{"itemCode": "86900001", "name": "阿莫西林", "unitPriceFen": 2500, "quantity": 2},
                      {"itemCode": "69000002", "name": "喉糖", "unitPriceFen": 850}]}


def graphql_run(base: str, key: str, code_lists, clients: int, seconds: float, *, plain_json: bool = False,
                until: threading.Event | None = None):
    """Clients post `settle` through /graphql, or (plain_json) the same input to the bench's JSON endpoint."""
    sessions = [httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)
                for _ in range(clients)]
    failures = []

    def work(i: int, n: int) -> bool:
        if n >= len(code_lists[i]):
            return False
        data = _settle_input(code_lists[i][n], i, n)
        if plain_json:
            response = sessions[i].post("/bench/settle", json=data)
            if response.status_code != 200:
                failures.append(response.text)
            return True
        result = sessions[i].post("/graphql", json={"query": SETTLE, "variables": {"input": data}}).json()
        if result.get("errors") or result["data"]["settle"]["__typename"] != "SettlementPayload":
            failures.append(result)
        return True

    rate, latencies = run_clients(clients, seconds, work, until)
    for s in sessions:
        s.close()
    return rate, latencies, failures


def roster_files(rows: int) -> tuple[Path, Path]:
    """Two roster files of `rows` people each, other people than the benchmark's own: the first to load
    before measuring, the second to import while settling."""
    import tempfile

    import import_roster

    folder = Path(tempfile.mkdtemp(prefix="settle-roster-"))
    first, second = folder / "first.csv", folder / "second.csv"
    import_roster.generate(first, rows, start=0)
    import_roster.generate(second, rows, seed=9, start=rows)
    return first, second


def import_roster_cli(path: Path) -> subprocess.Popen:
    """`yibao import-roster` in its own process, as a bureau's nightly job runs it."""
    return subprocess.Popen([str(ROOT / ".venv/bin/yibao"), "import-roster", str(path)], cwd=ROOT,
                            env={**os.environ, "DATABASE_URL": URL}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def during_import(base: str, key: str, code_lists, clients: int, path: Path):
    """Settle through /graphql while `yibao import-roster` imports `path`: until the import ends."""
    done = threading.Event()
    started = time.perf_counter()
    importer = import_roster_cli(path)

    def wait() -> None:
        importer.wait()
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    rate, latencies, failures = graphql_run(base, key, code_lists, clients, 3600, until=done)
    done.wait()
    output = importer.stdout.read().decode(errors="replace").strip().splitlines()
    if importer.returncode != 0:
        raise SystemExit(f"the import failed: {output[-3:]}")
    return rate, latencies, failures, time.perf_counter() - started


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
    meters = {"client": cpu.Meter(lambda: [os.getpid()]), "postgresql": cpu.Meter(lambda: cpu.backends(dsn, NAME))}
    for meter in meters.values():
        meter.start()

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
    cpu_ms = {name: meter.stop() * 1000 / max(1, len(latencies)) for name, meter in meters.items()}
    for c in connections:
        c.close()
    return rate, latencies, cpu_ms


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def describe(name: str, rate: float, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"{name:<34} {rate:>8.0f}/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   ({len(ordered)} settlements)"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--codes", type=int, default=400, help="codes issued per client and run beforehand")
    parser.add_argument("--pgbouncer", action="store_true",
                        help="the served app connects through pgbouncer in transaction pooling mode")
    parser.add_argument("--during-import", type=int, metavar="ROWS", default=0,
                        help="load ROWS people first, then settle once more while importing ROWS other people "
                             "(yibao import-roster in its own process): p99 with and without the import")
    args = parser.parse_args(argv)
    fresh_database()
    bouncer, served_env = None, {}
    if args.pgbouncer:
        import tempfile

        from tests.pgbouncer import PgBouncer

        bouncer = PgBouncer(URL, Path(tempfile.mkdtemp(prefix="bench-pgbouncer-")))
        bouncer.start()
        served_env = {"DATABASE_URL": bouncer.url(), "DATABASE_TRANSACTION_POOLING": "true"}
    print(f"setting up {args.clients} grantees and {args.clients * args.codes} codes ...", flush=True)
    rt, key, code_lists = setup(args.clients, 3 * args.codes + 1)
    statements = statements_per_settlement(rt, code_lists[0].pop())
    graph_codes = [codes[:args.codes] for codes in code_lists]
    json_codes = [codes[args.codes:2 * args.codes] for codes in code_lists]
    import_codes = [codes[2 * args.codes:] for codes in code_lists]
    second_file = None
    if args.during_import:
        first_file, second_file = roster_files(args.during_import)
        print(f"loading {args.during_import:,} people ...", flush=True)
        if import_roster_cli(first_file).wait() != 0:
            raise SystemExit("the first load failed")
    proc, base = serve(args.workers, **served_env)
    if os.environ.get("BENCH_PAUSE"):
        print("server pid", proc.pid, flush=True)
    try:
        meters = {"app": cpu.Meter(lambda: cpu.process_tree(proc.pid)),
                  "postgresql": cpu.Meter(lambda: cpu.backends(ADMIN.replace("+psycopg", ""), NAME))}
        if bouncer is not None:
            meters["pgbouncer"] = cpu.Meter(lambda: [bouncer.process.pid])
        for meter in meters.values():
            meter.start()
        rate, latencies, failures = graphql_run(base, key, graph_codes, args.clients, args.seconds)
        cpu_ms = {name: meter.stop() * 1000 / max(1, len(latencies)) for name, meter in meters.items()}
        json_rate, json_latencies, json_failures = graphql_run(base, key, json_codes, args.clients, args.seconds,
                                                               plain_json=True)
        imported = None
        if second_file is not None:
            print(f"settling while importing {args.during_import:,} other people ...", flush=True)
            imported = during_import(base, key, import_codes, args.clients, second_file)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if bouncer is not None:
            bouncer.stop()
    raw_rate, raw_latencies, raw_cpu_ms = raw_sql_run(args.clients, args.seconds)
    print(f"PostgreSQL{' through pgbouncer (transaction pooling)' if args.pgbouncer else ''}, "
          f"{args.clients} concurrent clients, {args.seconds:.0f} s each, "
          f"uvicorn workers: {args.workers}, cores: {os.cpu_count()}")
    print(describe("settle through /graphql", rate, latencies))
    print(describe("same use case, plain JSON endpoint", json_rate, json_latencies))
    print(describe("baseline: same writes in raw SQL", raw_rate, raw_latencies))
    print("CPU per settlement through /graphql: " + ", ".join(f"{name} {ms:.1f} ms" for name, ms in cpu_ms.items()))
    print("CPU per settlement in raw SQL: " + ", ".join(f"{name} {ms:.1f} ms" for name, ms in raw_cpu_ms.items()))
    print(f"graph / raw SQL: {rate / raw_rate:.0%}   graph / plain JSON: {rate / json_rate:.0%}   "
          f"SQL statements per settlement: {statements}   failed requests: {len(failures) + len(json_failures)}")
    during = {}
    if imported is not None:
        import_rate, import_latencies, import_failures, import_seconds = imported
        failures += import_failures
        p99, p99_during = _p99(latencies), _p99(import_latencies)
        print(describe("settle through /graphql, importing", import_rate, import_latencies))
        print(f"settle p99 during the import of {args.during_import:,} people ({import_seconds:.1f} s, on "
              f"{args.during_import:,} people on file): {p99_during:.1f} ms against {p99:.1f} ms without, "
              f"{p99_during / p99:.2f}x (target <= 2x)")
        during = {"p99_ms": p99, "p99_during_ms": p99_during, "import_s": import_seconds,
                  "import_rows": args.during_import}
    print("load average: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    for failure in (failures + json_failures)[:1]:
        print("first failure:", failure)
    rt.db.dispose()
    return {"graph": rate, "json": json_rate, "raw": raw_rate, "statements": statements,
            "failures": len(failures) + len(json_failures), "clients": args.clients, "workers": args.workers,
            "seconds": args.seconds, "pgbouncer": args.pgbouncer,
            "graph_p50_ms": statistics.median(latencies) * 1000, "cpu_ms": cpu_ms, "raw_cpu_ms": raw_cpu_ms,
            **during}


if __name__ == "__main__":
    main()
