"""The FHIR export beside the graph: median milliseconds and SQL statements per request.

For each FHIR search it runs, it runs the very GraphQL operation the export builds that resource
from, posted to /graphql by the same caller, in the same run: the difference is the cost of the FHIR
layer (mapping to FHIR JSON, the Bundle). Both go through the whole app in-process (Starlette's test
client), on demo data with SETTLEMENTS settlements at the demo pharmacy.

    .venv/bin/python bench/fhir_export.py            # SQLite in a temporary file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/fhir_export.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", category=DeprecationWarning)

from demo_world import seeded_runtime  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlmodel import select  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from backend import demo  # noqa: E402
from backend.domain.settlement import BillLine, Category, VisitType  # noqa: E402
from backend.principals import Actor, Channel, Principal, PrincipalKind  # noqa: E402
from backend.runtime import Runtime  # noqa: E402
from backend.services.family_account import codes  # noqa: E402
from backend.services.money import settlement  # noqa: E402
from backend.storage.models import Institution, Person  # noqa: E402
from web.app import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 100
SETTLEMENTS = 20


def setup(url: str) -> tuple[Runtime, dict[str, Person], str]:
    rt = seeded_runtime(url)
    with rt.db.read() as s:
        people = {p.name: p for p in s.exec(select(Person)).all()}
        pharmacy = s.exec(select(Institution).where(Institution.kind == "pharmacy")).one()
    father = Actor(Principal(PrincipalKind.HOUSEHOLD, people["张伟"].id), Channel.CLI)
    at_pharmacy = Actor(Principal(PrincipalKind.PARTNER, pharmacy.id, pharmacy.name, pharmacy.kind), Channel.CLI)
    today = rt.clock.now().date()
    for i in range(SETTLEMENTS):
        code = codes.issue_code(rt, father, people["张小宝" if i % 2 else "王秀英"].id).text
        settlement.settle(rt, at_pharmacy, settlement.SettleRequest(
            code=code, visit_type=VisitType.PHARMACY, service_date=min(today, date.today()), allow_cash=True,
            idempotency_key=f"bench-fhir-{i:04d}",
            # The demo pharmacy's mapped items (classes A, B, C from the sample catalogue) and unmapped tissues.
            lines=[BillLine("86900001", "阿莫西林胶囊", Category.A, 12_00, 2), BillLine("86900004", "奥司他韦", Category.B, 18_00, 1),
                   BillLine("86900005", "维生素C", Category.C, 30_00, 1), BillLine("N001", "纸巾", Category.NON_MEDICAL, 5_00, 1)]))
    key = next(p["api_key"] for p in demo.logins()["partners"] if p["kind"] == "pharmacy")
    return rt, people, key


def statements(rt: Runtime, fn) -> int:
    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1

    event.listen(rt.db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(rt.db.engine, "before_cursor_execute", count)
    return counter["n"]


def medians(first, second) -> tuple[float, float]:
    """Median milliseconds of each, the two called alternately so that the machine's load weighs on both alike."""
    first(), second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(ROUNDS):
        for fn, into in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            fn()
            into.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    given = os.environ.get("DATABASE_URL")
    url = given or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    rt, people, key = setup(url)
    client = TestClient(create_app(rt), headers={"Accept-Language": "zh-CN"})
    token = client.post("/auth/token", json={"username": "13800000001", "password": demo.PERSON_PASSWORD}).json()["access_token"]
    father = str(people["张伟"].id)
    from backend.graph.core.ids import to_global_id
    father_gid = to_global_id("Person", people["张伟"].id)
    claims_doc = (ROOT / "web/templates/fhir/claim_response.graphql").read_text()
    family_doc = (ROOT / "web/templates/fhir/related_person.graphql").read_text()

    def get(path: str, credential: str):
        def call():
            r = client.get(path, headers={"Authorization": f"Bearer {credential}"})
            assert r.status_code == 200, r.text
        return call

    def post(document: str, operation: str, credential: str, **variables):
        def call():
            r = client.post("/graphql", json={"query": document, "operationName": operation, "variables": variables},
                            headers={"Authorization": f"Bearer {credential}"})
            assert r.status_code == 200 and r.json()["data"], r.text
        return call

    cases = [
        (f"ClaimResponse search, partner, {SETTLEMENTS} settlements",
         get(f"/fhir/R4/ClaimResponse?_count={SETTLEMENTS}", key),
         post(claims_doc, "PartnerClaimResponses", key, first=SETTLEMENTS)),
        ("RelatedPerson search, household, 4 relatives",
         get(f"/fhir/R4/RelatedPerson?patient=Patient/{father}", token),
         post(family_doc, "RelatedPersons", token, id=father_gid, first=20)),
    ]
    print(f"database: {(given or 'sqlite (temporary file)').split('@')[-1]}   rounds: {ROUNDS}")
    print(f"{'':46} {'FHIR stmts':>10} {'FHIR ms':>8} {'graph stmts':>11} {'graph ms':>8} {'FHIR/graph':>10}")
    for label, fhir, graph in cases:
        fhir_statements, graph_statements = statements(rt, fhir), statements(rt, graph)
        fhir_ms, graph_ms = medians(fhir, graph)
        print(f"{label:46} {fhir_statements:>10} {fhir_ms:>8.1f} {graph_statements:>11} {graph_ms:>8.1f}"
              f" {fhir_ms / graph_ms:>10.0%}")
    client.close()
    rt.db.dispose()


if __name__ == "__main__":
    main()
