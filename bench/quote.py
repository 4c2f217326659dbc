"""预结算 beside settle, and a deep keyset page beside the first: median milliseconds and SQL statements.

`quote` runs the very computation `settle` runs (`_compute`), without locks and writes, in a read
session: its figures stand beside settle's for the same kind of bill, in the same run. Then, with
SETTLEMENTS settlements at the demo pharmacy, `Institution.settlements(first: 20)` through the graph
at the first page and at the last (after the cursor of the one before it): a keyset page costs the
same wherever it is.

    .venv/bin/python bench/quote.py            # SQLite in a temporary file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/quote.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", category=DeprecationWarning)

from demo_world import seeded_runtime  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlmodel import select  # noqa: E402

from backend.clock import CHINA  # noqa: E402
from backend.domain.settlement import BillLine, Category, VisitType  # noqa: E402
from backend.principals import Actor, Channel, Principal, PrincipalKind  # noqa: E402
from backend.services.family_account import codes  # noqa: E402
from backend.services.money import settlement  # noqa: E402
from backend.storage.models import Institution, Person  # noqa: E402
from tests.helpers import gql  # noqa: E402

ROUNDS = 60
SETTLEMENTS = 400
LINES = [BillLine("A001", "阿莫西林胶囊", Category.A, 12_00, 2), BillLine("B001", "布洛芬", Category.B, 18_00, 1),
         BillLine("C001", "维生素C", Category.C, 30_00, 1), BillLine("N001", "纸巾", Category.NON_MEDICAL, 5_00, 1)]
PAGE = """query($after: String) { viewer { ... on Institution { settlements(first: 20, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { id billFen cashFen } } } } } }"""


class Statements:
    def __init__(self, engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


def timed(run, statements: Statements) -> tuple[float, float]:
    times, counts = [], []
    for i in range(ROUNDS):
        before = statements.count
        start = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - start) * 1000)
        counts.append(statements.count - before)
    return statistics.median(times), statistics.median(counts)


def main() -> None:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    rt = seeded_runtime(url)
    statements = Statements(rt.db.engine)
    with rt.db.read() as s:
        people = {p.name: p for p in s.exec(select(Person)).all()}
        pharmacy = s.exec(select(Institution).where(Institution.kind == "pharmacy")).one()
    father = Actor(Principal(PrincipalKind.HOUSEHOLD, people["张伟"].id), Channel.CLI)
    principal = Principal(PrincipalKind.PARTNER, pharmacy.id, pharmacy.name, pharmacy.kind)
    at_pharmacy = Actor(principal, Channel.CLI)
    today = rt.clock.now().astimezone(CHINA).date()

    def bill(code: str) -> settlement.Bill:
        return settlement.Bill(code=code, visit_type=VisitType.PHARMACY, service_date=today, lines=LINES)

    code_for_quotes = codes.issue_code(rt, father, people["王秀英"].id).text
    quote_ms, quote_stmts = timed(lambda i: settlement.quote(rt, at_pharmacy, bill(code_for_quotes)), statements)
    settle_codes = [codes.issue_code(rt, father, people["王秀英"].id).text for _ in range(ROUNDS)]
    settle_ms, settle_stmts = timed(lambda i: settlement.settle(rt, at_pharmacy, settlement.SettleRequest(
        code=settle_codes[i], visit_type=VisitType.PHARMACY, service_date=today, lines=LINES,
        idempotency_key=f"bench-quote-{i:05d}")), statements)

    for i in range(SETTLEMENTS - ROUNDS):
        code = codes.issue_code(rt, father, people["张小宝" if i % 2 else "王秀英"].id).text
        settlement.settle(rt, at_pharmacy, settlement.SettleRequest(
            code=code, visit_type=VisitType.PHARMACY, service_date=today, lines=LINES[3:],
            idempotency_key=f"bench-page-{i:05d}"))
    cursors, after = [None], None
    while True:
        page = gql(rt, principal, PAGE, after=after).data["viewer"]["settlements"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        cursors.append(after)
    first_ms, first_stmts = timed(lambda i: gql(rt, principal, PAGE, after=None), statements)
    last_ms, last_stmts = timed(lambda i: gql(rt, principal, PAGE, after=cursors[-1]), statements)

    print(f"database: {rt.db.dialect}, {ROUNDS} rounds each, medians; load average {os.getloadavg()}")
    print("| operation | ms | statements |")
    print("|---|---|---|")
    print(f"| settle (baseline), 4 lines, one grant pays | {settle_ms:.1f} | {settle_stmts:.0f} |")
    print(f"| quote, the same bill | {quote_ms:.1f} | {quote_stmts:.0f} |")
    print(f"| Institution.settlements(first: 20), first page of {SETTLEMENTS} | {first_ms:.1f} | {first_stmts:.0f} |")
    print(f"| the same, last page (page {len(cursors)}, keyset cursor) | {last_ms:.1f} | {last_stmts:.0f} |")
    rt.db.dispose()


if __name__ == "__main__":
    main()
