"""Partners settling and refunding against one grantor's account over HTTP, and what must hold after.

A client that gets no answer (connection refused or cut, a 5xx) does not know whether its request
took effect: it sends the same request with the same idempotency key until it gets an answer. Amounts
go out as JSON integers and come back as JSON numbers, so the client works whether the graph types
money as `Int` or as a `Fen` scalar; item codes and names stay within 40 and 100 characters.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select

from backend.domain.codes import code_digest
from backend.graph.core.ids import from_global_id
from backend.services.money.ledger_check import LedgerReport, verify
from backend.storage.models import (
    IdempotencyKey,
    LedgerPosting,
    PersonalAccount,
    PresentedCode,
    Refund,
    Settlement,
)
from tests.faults.world import GrantorFamily, Partner, service_date

SETTLEMENT_FIELDS = "id status billFen fundFen cashFen lines { lineNo amountFen refunded payments { pool amountFen } }"
SETTLE = f"""mutation Settle($input: SettleInput!) {{ settle(input: $input) {{ __typename
  ... on SettlementPayload {{ settlement {{ {SETTLEMENT_FIELDS} }} }} ... on OperationError {{ code field }} }} }}"""
REFUND = f"""mutation Refund($input: RefundInput!) {{ refundSettlement(input: $input) {{ __typename
  ... on SettlementPayload {{ settlement {{ {SETTLEMENT_FIELDS} }} }} ... on OperationError {{ code field }} }} }}"""

ITEMS = {  # class: the demo pharmacy's item codes mapped to sample catalogue items of that class (R18; several capped)
    "A": [("86900001", "阿莫西林胶囊 0.25g×24粒"), ("86900002", "布洛芬混悬液 100ml")],
    "B": [("86900004", "奥司他韦胶囊 75mg×10粒"), ("86900007", "血糖试纸 50片")],
    "C": [("86900005", "维生素C片 0.1g×100片")],
    "NON_MEDICAL": [("69000002", "润喉糖 60g"), ("6909876543210", "保湿面霜 50g")],  # no mapping: cash only
}
CATEGORIES = ["A", "A", "A", "B", "B", "C", "NON_MEDICAL"]


@dataclass(frozen=True)
class Plan:
    clients: int = 16
    settlements_per_client: int = 500
    retry_share: float = 0.10     # requests sent again with the same key, half of them concurrently
    refund_share: float = 0.05    # settlements the partner then refunds, some by line
    no_cash_share: float = 0.10   # settlements that must be paid in full from accounts (allowCash: false)
    seed: int = 20261202


class UnansweredError(RuntimeError):
    pass


@dataclass
class Tally:
    """What the clients saw; one per run, updated under a lock."""

    requests: int = 0                # answered requests, same-key repeats included
    attempts: int = 0                # HTTP requests sent, those that got no answer included
    unknown_outcomes: int = 0        # requests that got no answer at first (cut, refused, 5xx): sent again
    unexpected: list = field(default_factory=list)   # GraphQL errors: the service failed to answer
    replay_mismatches: list = field(default_factory=list)
    settled: dict[str, dict] = field(default_factory=dict)      # settle key -> settlement as answered
    settled_by: dict[str, Partner] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)      # settle key -> error code
    refunded: dict[str, str] = field(default_factory=dict)     # refund key -> settlement id
    refund_refused: dict[str, str] = field(default_factory=dict)
    latest: dict[str, dict] = field(default_factory=dict)      # settlement id -> last state seen
    codes_of_refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, **increments: int) -> None:
        with self.lock:
            for name, n in increments.items():
                setattr(self, name, getattr(self, name) + n)


class PartnerClient:
    """One partner's HTTP client: answers or, after a cut connection, the same request again."""

    def __init__(self, base_url: str, partner: Partner, tally: Tally, give_up_after: float = 180) -> None:
        self.partner = partner
        self._http = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {partner.api_key}"},
                                  timeout=httpx.Timeout(60, connect=2))
        self._tally = tally
        self._give_up_after = give_up_after

    def call(self, query: str, field_name: str, variables: dict) -> dict:
        deadline = time.monotonic() + self._give_up_after
        pause = 0.05
        for attempt in itertools.count():
            self._tally.count(attempts=1, unknown_outcomes=int(attempt == 1))
            try:
                response = self._http.post("/graphql", json={"query": query, "variables": variables})
                if response.status_code < 500:
                    body = response.json()
                    if body.get("errors"):
                        with self._tally.lock:
                            self._tally.unexpected.append(body["errors"])
                        raise UnansweredError(str(body["errors"]))
                    self._tally.count(requests=1)
                    return body["data"][field_name]
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise UnansweredError(f"no answer for {variables['input']['idempotencyKey']}")
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._http.close()


def settlement_key(global_id: str) -> uuid.UUID:
    decoded = from_global_id(global_id, "Settlement")
    assert decoded is not None, global_id
    return decoded[1]


def _outcome(answer: dict) -> tuple[str, str]:
    if answer["__typename"] == "SettlementPayload":
        return ("ok", answer["settlement"]["id"])
    return ("refused", answer["code"])


def _bill(rng: random.Random) -> list[dict]:
    lines = []
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        category = rng.choice(CATEGORIES)
        code, name = rng.choice(ITEMS[category])
        lines.append({"itemCode": code, "name": name, "category": category,
                      "unitPriceFen": rng.randrange(5_00, 180_00), "quantity": rng.choice([1, 1, 2, 3])})
    return lines


def _send(client: PartnerClient, extra: PartnerClient, query: str, field_name: str, variables: dict,
          rng: random.Random, plan: Plan, pool: ThreadPoolExecutor, tally: Tally) -> dict:
    """Send once, or twice with the same key (one after the other, or both at once); the answers must agree."""
    if rng.random() >= plan.retry_share:
        return client.call(query, field_name, variables)
    if rng.random() < 0.5:
        answers = [client.call(query, field_name, variables), client.call(query, field_name, variables)]
    else:
        twin = pool.submit(extra.call, query, field_name, variables)
        answers = [client.call(query, field_name, variables), twin.result()]
    if _outcome(answers[0]) != _outcome(answers[1]):
        with tally.lock:
            tally.replay_mismatches.append((variables["input"]["idempotencyKey"], answers))
    return answers[0]


def run_clients(family: GrantorFamily, base_url: str, plan: Plan, *, stop: threading.Event | None = None,
                progress: Callable[[], None] | None = None) -> tuple[Tally, float]:
    """Each client settles bills for the grantor's relatives, retries and refunds some; returns what it saw
    and the seconds the run took. With `stop`, clients end early once it is set."""
    tally = Tally()
    day = service_date().isoformat()
    errors: list[BaseException] = []

    def client(number: int) -> None:
        rng = random.Random(plan.seed * 1000 + number)
        partners = family.partners
        clients = {p.id: (PartnerClient(base_url, p, tally), PartnerClient(base_url, p, tally)) for p in partners}
        pool = ThreadPoolExecutor(max_workers=1)
        try:
            for n in range(plan.settlements_per_client):
                if stop is not None and stop.is_set():
                    break
                partner = partners[rng.randrange(len(partners))]
                http, twin = clients[partner.id]
                code = family.issue_code(rng.choice(family.presentations))
                key = f"load-{number:02d}-{n:04d}-{uuid.uuid4().hex[:12]}"
                settle_input = {"code": code, "visitType": "PHARMACY" if partner is partners[0] else "OUTPATIENT",
                                "serviceDate": day, "lines": _bill(rng), "idempotencyKey": key,
                                "allowCash": rng.random() >= plan.no_cash_share}
                answer = _send(http, twin, SETTLE, "settle", {"input": settle_input}, rng, plan, pool, tally)
                if answer["__typename"] != "SettlementPayload":
                    with tally.lock:
                        tally.refused[key] = answer["code"]
                        tally.codes_of_refused.append(code)
                    continue
                made = answer["settlement"]
                with tally.lock:
                    tally.settled[key], tally.settled_by[key] = made, partner
                    tally.latest.setdefault(made["id"], made)
                if rng.random() < plan.refund_share:
                    by_line = len(made["lines"]) > 1 and rng.random() < 0.5
                    refund_key = f"refund-{key}"
                    refund_input = {"settlementId": made["id"], "idempotencyKey": refund_key, "reason": "退货",
                                    "lineNumbers": [1] if by_line else None}
                    answer = _send(http, twin, REFUND, "refundSettlement", {"input": refund_input}, rng, plan, pool,
                                   tally)
                    with tally.lock:
                        if answer["__typename"] == "SettlementPayload":
                            tally.refunded[refund_key] = made["id"]
                            tally.latest[made["id"]] = answer["settlement"]
                        else:
                            tally.refund_refused[refund_key] = answer["code"]
                if progress is not None:
                    progress()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller, with every other client's
            errors.append(exc)
            if stop is not None:
                stop.set()
        finally:
            pool.shutdown()
            for pair in clients.values():
                for c in pair:
                    c.close()

    threads = [threading.Thread(target=client, args=(i,), name=f"client-{i}") for i in range(plan.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return tally, elapsed


@dataclass
class Checked:
    report: LedgerReport
    direct: list[str]

    @property
    def invariants(self) -> int:
        return len(self.report.results) + len(self.direct)


def check_money_whole(family: GrantorFamily, tally: Tally) -> Checked:
    """After the run: the ledger invariants (verify-ledger) and what the clients saw, against the database."""
    assert not tally.unexpected, tally.unexpected[:3]
    assert not tally.replay_mismatches, tally.replay_mismatches[:3]
    assert not tally.refund_refused, tally.refund_refused
    assert set(tally.refused.values()) <= {"INSUFFICIENT_FUNDS"}, tally.refused
    direct = []
    with family.rt.db.read() as s:
        # No double charge: one settlement per answered key, each answered id a distinct settlement.
        answered = {made["id"] for made in tally.settled.values()}
        settlements = s.execute(select(func.count()).select_from(Settlement)).scalar_one()
        assert settlements == len(tally.settled) == len(answered)
        direct.append("one settlement per answered key")
        # Every key has exactly one outcome, and it is the one the client was told.
        keys = {(k.partner_id, k.key): k for k in s.execute(select(IdempotencyKey)).scalars()}
        assert len(keys) == len(tally.settled) + len(tally.refunded)
        for key, made in tally.settled.items():
            assert keys[tally.settled_by[key].id, key].result_id == settlement_key(made["id"])
        refund_of = dict(s.execute(select(Refund.id, Refund.settlement_id)).all())
        for key, settlement_id in tally.refunded.items():
            partner = tally.settled_by[key.removeprefix("refund-")]
            assert refund_of[keys[partner.id, key].result_id] == settlement_key(settlement_id)
        direct.append("each key's one outcome is the answer the client got")
        # A refusal wrote nothing: no key, and its code is still unused.
        assert not any(key in tally.refused for _, key in keys)
        if tally.codes_of_refused:
            used = s.execute(select(func.count()).select_from(PresentedCode).where(
                PresentedCode.code_sha256.in_([code_digest(c) for c in tally.codes_of_refused]),
                PresentedCode.status != "live")).scalar_one()
            assert used == 0
        direct.append("a refused request wrote nothing")
        # No overdraft, and each balance is the opening less what the answers say the accounts paid.
        balances = dict(s.execute(select(PersonalAccount.person_id, PersonalAccount.balance_fen)).all())
        assert min(balances.values()) >= 0
        direct.append("no balance below zero")
        spent = {family.grantor_id: 0, family.spouse_id: 0}
        for made in tally.latest.values():
            for line in made["lines"]:
                if not line["refunded"]:
                    for part in line["payments"]:
                        spent[family.spouse_id if part["pool"] == "own" else family.grantor_id] += part["amountFen"]
        for person_id, opening in family.opening_fen.items():
            assert balances[person_id] == opening - spent[person_id], (person_id, balances[person_id], opening,
                                                                       spent[person_id])
        direct.append("balances are the openings less what the answers say was paid")
        ledger = dict(s.execute(select(LedgerPosting.person_id, func.sum(LedgerPosting.amount_fen))
                                .where(LedgerPosting.person_id.is_not(None)).group_by(LedgerPosting.person_id)).all())
        assert {p: b for p, b in balances.items() if b or p in ledger} == ledger
        direct.append("postings sum to every balance")
    report = verify(family.rt.db)
    assert report.ok, report.broken
    return Checked(report, direct)
