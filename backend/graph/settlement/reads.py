"""What the settlement package reads: settlements by id, their lines and each line's payments, each
person's settlements and personal-account ledger, a page of an institution's settlements."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, select

from backend.graph.core.loaders import Batched, by_id
from backend.storage.models import (
    LedgerPosting,
    LedgerTransaction,
    Person,
    Refund,
    Settlement,
    SettlementLine,
    SettlementPayment,
)


def settlement_lines(s: Session, settlement_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SettlementLine]]:
    rows = s.exec(select(SettlementLine).where(SettlementLine.settlement_id.in_(settlement_ids))
                  .order_by(SettlementLine.line_no)).all()
    out: dict[uuid.UUID, list[SettlementLine]] = defaultdict(list)
    for row in rows:
        out[row.settlement_id].append(row)
    return out


def line_payments(s: Session, line_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SettlementPayment]]:
    rows = s.exec(select(SettlementPayment).where(SettlementPayment.line_id.in_(line_ids))).all()
    out: dict[uuid.UUID, list[SettlementPayment]] = defaultdict(list)
    for row in rows:
        out[row.line_id].append(row)
    return out


def refunds_of(s: Session, settlement_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Refund]]:
    """Each settlement's refunds and reversals, oldest first."""
    rows = s.exec(select(Refund).where(Refund.settlement_id.in_(settlement_ids))
                  .order_by(Refund.created_at, Refund.id)).all()
    out: dict[uuid.UUID, list[Refund]] = defaultdict(list)
    for row in rows:
        out[row.settlement_id].append(row)
    return out


def settlements_of_subject(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Settlement]]:
    rows = s.exec(select(Settlement).where(Settlement.subject_id.in_(person_ids))
                  .order_by(Settlement.created_at.desc(), Settlement.id)).all()
    out: dict[uuid.UUID, list[Settlement]] = defaultdict(list)
    for row in rows:
        out[row.subject_id].append(row)
    return out


def settlements_of_institution(s: Session, institution_id: uuid.UUID, offset: int,
                               limit: int) -> tuple[list[Settlement], int, list[Person]]:
    """A page of an institution's settlements, newest first, with how many it made and each one's
    subject: one statement (a count only when the page asked for lies past the last one)."""
    condition = Settlement.institution_id == institution_id
    count = select(func.count()).select_from(Settlement).where(condition)
    found = s.exec(select(Settlement, Person, count.scalar_subquery())
                   .join(Person, Person.id == Settlement.subject_id).where(condition)
                   .order_by(Settlement.created_at.desc(), Settlement.id).offset(offset).limit(limit)).all()
    if not found:
        return [], s.exec(count).one() if offset else 0, []
    return [row for row, _, _ in found], found[0][2], [person for _, person, _ in found]


def ledger_of(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[tuple]]:
    """Personal-account postings with their transaction kind and time, newest first."""
    rows = s.exec(select(LedgerPosting.person_id, LedgerPosting.amount_fen, LedgerTransaction.kind,
                         LedgerTransaction.created_at, LedgerTransaction.reference_id, LedgerPosting.id)
                  .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
                  .where(LedgerPosting.person_id.in_(person_ids))
                  .order_by(LedgerTransaction.created_at.desc(), LedgerPosting.id)).all()
    out: dict[uuid.UUID, list[tuple]] = defaultdict(list)
    for person_id, *rest in rows:
        out[person_id].append(tuple(rest))
    return out


LOADERS = {
    "settlement": Batched(by_id(Settlement)),
    "settlement_lines": Batched(settlement_lines, default=list),
    "line_payments": Batched(line_payments, default=list),
    "refunds_of": Batched(refunds_of, default=list),
    "settlements_of_subject": Batched(settlements_of_subject, default=list),
    "ledger": Batched(ledger_of, default=list),
}
