"""What the settlement package reads: settlements by id, their lines and each line's payments, each
person's settlements and personal-account ledger, a page of an institution's settlements."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from backend.clock import CHINA
from backend.graph.core.loaders import Batched, by_id
from backend.graph.core.pagination import newest_first_after
from backend.storage.models import (
    ClearingDeduction,
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


@dataclass(frozen=True)
class SettlementFilter:
    """Which of an institution's settlements a page shows. Days are China's calendar days, both ends
    included: `service_from`/`service_to` on the service date, `settled_from`/`settled_to` on the China-time
    day of the instant it was settled; `receipt_number` the partner's own receipt number."""

    service_from: date | None = None
    service_to: date | None = None
    settled_from: date | None = None
    settled_to: date | None = None
    receipt_number: str | None = None

    def conditions(self) -> list:
        found = []
        if self.service_from is not None:
            found.append(Settlement.service_date >= self.service_from)
        if self.service_to is not None:
            found.append(Settlement.service_date <= self.service_to)
        if self.settled_from is not None:
            found.append(Settlement.created_at >= china_day_start(self.settled_from))
        if self.settled_to is not None:
            found.append(Settlement.created_at < china_day_start(self.settled_to + timedelta(days=1)))
        if self.receipt_number is not None:
            found.append(Settlement.receipt_number == self.receipt_number)
        return found


def china_day_start(day: date) -> datetime:
    """The instant a China-time calendar day begins (00:00 in Beijing, 16:00 UTC the day before)."""
    return datetime.combine(day, time(), tzinfo=CHINA)


def settlements_of_institution(s: Session, institution_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None,
                               limit: int, where: SettlementFilter = SettlementFilter(),
                               ) -> tuple[list[Settlement], int, list[Person], bool]:
    """A page of an institution's settlements, newest first (keyset: after the (createdAt, id) of the last row
    shown), with how many match, each one's subject, and whether more follow: one statement (the count a
    scalar subquery of it, read alone only when the page is empty; it reads one row more than it shows)."""
    conditions = [Settlement.institution_id == institution_id, *where.conditions()]
    count = select(func.count()).select_from(Settlement).where(*conditions)
    keyed = newest_first_after(Settlement.created_at, Settlement.id, after)
    page = conditions if keyed is None else [*conditions, keyed]
    found = s.exec(select(Settlement, Person, count.scalar_subquery()).join(Person, Person.id == Settlement.subject_id)
                   .where(*page).order_by(Settlement.created_at.desc(), Settlement.id).limit(limit + 1)).all()
    if not found:
        return [], s.exec(count).one() if after else 0, [], False
    shown = found[:limit]
    return [row for row, _, _ in shown], found[0][2], [person for _, person, _ in shown], len(found) > limit


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


def settlement_deductions(s: Session, settlement_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """What auditors deducted from each settlement at clearing (审核扣款; R16), in fen."""
    rows = s.exec(select(ClearingDeduction.settlement_id, func.sum(ClearingDeduction.amount_fen))
                  .where(ClearingDeduction.settlement_id.in_(settlement_ids))
                  .group_by(ClearingDeduction.settlement_id)).all()
    return {settlement_id: int(amount) for settlement_id, amount in rows}


LOADERS = {
    "settlement": Batched(by_id(Settlement)),
    "settlement_deductions": Batched(settlement_deductions, default=int),
    "settlement_lines": Batched(settlement_lines, default=list),
    "line_payments": Batched(line_payments, default=list),
    "refunds_of": Batched(refunds_of, default=list),
    "settlements_of_subject": Batched(settlements_of_subject, default=list),
    "ledger": Batched(ledger_of, default=list),
}
