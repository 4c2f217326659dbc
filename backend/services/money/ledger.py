"""The ledger (R14): every movement is a balanced transaction; personal-account balances move with it.

Accounts are strings: `personal:<person>`, `fund:<region>`, `institution:<id>`, `cash:counter` (what
people pay in cash at the counter), `opening:<region>` (balances carried in), `premium:<region>:<year>`; clearing (R16) pays an
institution's receivable out to `payout:<id>` (its bank account) and closes the cash it took at its own counter to
`collected:<id>`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, bindparam, insert, update
from sqlmodel import Session, select

from backend.domain.errors import DomainError, ErrorCode
from backend.storage.db import one_of, per_dialect
from backend.storage.models import LedgerPosting, LedgerTransaction, PersonalAccount

CASH = "cash:counter"


def personal(person_id: uuid.UUID) -> str:
    return f"personal:{person_id.hex}"


def fund(region_code: str) -> str:
    return f"fund:{region_code}"


def institution(institution_id: uuid.UUID) -> str:
    return f"institution:{institution_id.hex}"


def payout(institution_id: uuid.UUID) -> str:
    return f"payout:{institution_id.hex}"


def collected(institution_id: uuid.UUID) -> str:
    return f"collected:{institution_id.hex}"


def opening(region_code: str) -> str:
    return f"opening:{region_code}"


def premium(region_code: str, year: int) -> str:
    return f"premium:{region_code}:{year}"


@dataclass(frozen=True)
class Movement:
    """`amount_fen` leaves `source` and reaches `target`; a personal account side names its person."""

    source: str
    target: str
    amount_fen: int
    source_person: uuid.UUID | None = None
    target_person: uuid.UUID | None = None


# Built once: every settlement, refund and premium runs them.
_accounts = PersonalAccount.__table__
LOCK_ACCOUNTS = per_dialect(lambda dialect: select(_accounts).where(one_of(_accounts.c.person_id, "person_ids", dialect))
                            .order_by(_accounts.c.person_id).with_for_update())
_MOVE_BALANCE = (update(_accounts).where(_accounts.c.person_id == bindparam("owner_id"))
                 .values(balance_fen=_accounts.c.balance_fen + bindparam("delta_fen", type_=BigInteger),
                         updated_at=bindparam("at", type_=DateTime(timezone=True))))
CREDIT = _MOVE_BALANCE
DEBIT = _MOVE_BALANCE.where(_accounts.c.balance_fen >= -bindparam("delta_fen", type_=BigInteger))  # never below 0
INSERT_TRANSACTION = insert(LedgerTransaction.__table__)
INSERT_POSTINGS = insert(LedgerPosting.__table__)


def lock_accounts(s: Session, person_ids) -> dict[uuid.UUID, Any]:
    """Lock personal accounts in one fixed order (by person id), so concurrent writers cannot deadlock;
    their rows (person_id, balance_fen) by person."""
    ordered = sorted(set(person_ids))
    if not ordered:
        return {}
    connection = s.connection()
    rows = connection.execute(LOCK_ACCOUNTS(connection), {"person_ids": ordered}).all()
    return {row.person_id: row for row in rows}


def _adjust(s: Session, person_id: uuid.UUID, delta: int, at: datetime) -> None:
    statement = DEBIT if delta < 0 else CREDIT
    if s.connection().execute(statement, {"owner_id": person_id, "delta_fen": delta, "at": at}).rowcount != 1:
        raise DomainError(ErrorCode.INSUFFICIENT_FUNDS)


# PostgreSQL: the transaction, its postings and the balances it moves in one statement (one round trip, one
# statement to plan: the same text whatever the number of movements, so psycopg prepares it once). The
# postings' foreign key to the transaction is checked at the statement's end, when both rows are there.
# `moved` counts the accounts moved: one not found, or one a debit would take below zero, is not.
RECORD_IN_ONE = """
WITH tx AS (
  INSERT INTO ledgertransaction (id, kind, reference_id, created_at)
  VALUES (%(tx_id)s, %(kind)s, %(reference_id)s, %(at)s)
), postings AS (
  INSERT INTO ledgerposting (id, transaction_id, account, person_id, amount_fen, created_at)
  SELECT p.id, %(tx_id)s, p.account, p.person_id, p.amount_fen, %(at)s
    FROM unnest(%(ids)s::uuid[], %(accounts)s::text[], %(people)s::uuid[], %(amounts)s::bigint[])
         AS p(id, account, person_id, amount_fen)
), moved AS (
  UPDATE personalaccount a SET balance_fen = a.balance_fen + m.delta_fen, updated_at = %(at)s
    FROM unnest(%(owners)s::uuid[], %(deltas)s::bigint[]) AS m(person_id, delta_fen)
   WHERE a.person_id = m.person_id AND a.balance_fen + m.delta_fen >= 0
  RETURNING 1
)
SELECT count(*) FROM moved
"""


def _deltas(movements: list[Movement]) -> dict[uuid.UUID, list[int]]:
    """Each personal account's moves, in the order `record` applies them."""
    moves: dict[uuid.UUID, list[int]] = {}
    for m in movements:
        if m.source_person is not None:
            moves.setdefault(m.source_person, []).append(-m.amount_fen)
        if m.target_person is not None:
            moves.setdefault(m.target_person, []).append(m.amount_fen)
    return moves


def record(s: Session, kind: str, reference_id: uuid.UUID | None, at: datetime,
           movements: list[Movement]) -> uuid.UUID | None:
    """Write one balanced transaction (two postings per movement) and move personal balances."""
    movements = [m for m in movements if m.amount_fen]
    if not movements:
        return None
    if any(m.amount_fen < 0 for m in movements):
        raise ValueError("movements carry positive amounts; direction is source -> target")
    tx_id = uuid.uuid4()
    postings = []
    for m in movements:
        postings.append(dict(id=uuid.uuid4(), transaction_id=tx_id, account=m.source, person_id=m.source_person,
                             amount_fen=-m.amount_fen, created_at=at))
        postings.append(dict(id=uuid.uuid4(), transaction_id=tx_id, account=m.target, person_id=m.target_person,
                             amount_fen=m.amount_fen, created_at=at))
    moves = _deltas(movements)
    connection = s.connection()
    # One account's moves summed are checked as the moves one by one would be when they all go one way
    # (every debit then keeps the balance at zero or above exactly when their sum does).
    if connection.dialect.name == "postgresql" and all(min(d) >= 0 or max(d) <= 0 for d in moves.values()):
        owners = sorted(moves)
        moved = connection.exec_driver_sql(RECORD_IN_ONE, dict(
            tx_id=tx_id, kind=kind, reference_id=reference_id, at=at, ids=[p["id"] for p in postings],
            accounts=[p["account"] for p in postings], people=[p["person_id"] for p in postings],
            amounts=[p["amount_fen"] for p in postings], owners=owners,
            deltas=[sum(moves[owner]) for owner in owners])).scalar_one()
        if moved != len(owners):
            raise DomainError(ErrorCode.INSUFFICIENT_FUNDS)
        return tx_id
    connection.execute(INSERT_TRANSACTION, dict(id=tx_id, kind=kind, reference_id=reference_id, created_at=at))
    # The table, not the ORM bulk path, so rows with and without a person go in one executemany.
    connection.execute(INSERT_POSTINGS, postings)
    for m in movements:
        if m.source_person is not None:
            _adjust(s, m.source_person, -m.amount_fen, at)
        if m.target_person is not None:
            _adjust(s, m.target_person, m.amount_fen, at)
    return tx_id
