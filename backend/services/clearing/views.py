"""What clearing shows: the batches, one batch's lines and deductions, an institution's statement for a
month (结算单), the bank's payout file, and the dashboard's figures."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, select

from backend.domain.clearing import BatchStatus, Month
from backend.storage.models import (
    ClearingBatch,
    ClearingDeduction,
    ClearingItem,
    ClearingLine,
    Institution,
    Refund,
    Settlement,
    SettlementLine,
)


def batches(s: Session, limit: int = 24) -> list[ClearingBatch]:
    """The newest batches first (rejected ones too, for the record)."""
    return list(s.exec(select(ClearingBatch).order_by(ClearingBatch.month.desc(), ClearingBatch.prepared_at.desc())
                       .limit(limit)))


def open_batch(s: Session, month: Month) -> ClearingBatch | None:
    """The month's batch that is not rejected, if any."""
    return s.exec(select(ClearingBatch).where(ClearingBatch.month == str(month),
                                              ClearingBatch.status != BatchStatus.REJECTED.value)).first()


def lines_of(s: Session, batch_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ClearingLine]]:
    rows = s.exec(select(ClearingLine).where(ClearingLine.batch_id.in_(batch_ids))
                  .order_by(ClearingLine.institution_id, ClearingLine.insutype, ClearingLine.clr_type)).all()
    out: dict[uuid.UUID, list[ClearingLine]] = defaultdict(list)
    for row in rows:
        out[row.batch_id].append(row)
    return out


def deductions_of(s: Session, batch_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ClearingDeduction]]:
    rows = s.exec(select(ClearingDeduction).where(ClearingDeduction.batch_id.in_(batch_ids))
                  .order_by(ClearingDeduction.created_at, ClearingDeduction.id)).all()
    out: dict[uuid.UUID, list[ClearingDeduction]] = defaultdict(list)
    for row in rows:
        out[row.batch_id].append(row)
    return out


@dataclass(frozen=True)
class Statement:
    """结算单: one institution's lines of a month's batch."""

    batch: ClearingBatch
    institution: Institution
    lines: list[ClearingLine]

    @property
    def payable_fen(self) -> int:
        return sum(ln.payable_fen for ln in self.lines)


def statement(s: Session, month: Month, institution_id: uuid.UUID) -> Statement | None:
    batch = open_batch(s, month)
    institution = s.get(Institution, institution_id)
    if batch is None or institution is None:
        return None
    lines = list(s.exec(select(ClearingLine).where(ClearingLine.batch_id == batch.id,
                                                   ClearingLine.institution_id == institution_id)
                        .order_by(ClearingLine.insutype, ClearingLine.clr_type)))
    return Statement(batch, institution, lines) if lines else None  # nothing of its in that month


@dataclass(frozen=True)
class Payee:
    institution: Institution
    amount_fen: int


def payees(s: Session, batch_id: uuid.UUID) -> list[Payee]:
    """What each institution of a batch is paid (only those owed money), by name."""
    rows = s.exec(select(Institution, func.sum(ClearingLine.payable_fen))
                  .join(ClearingLine, ClearingLine.institution_id == Institution.id)
                  .where(ClearingLine.batch_id == batch_id)
                  .group_by(Institution.id).order_by(Institution.name, Institution.id)).all()
    return [Payee(inst, int(amount)) for inst, amount in rows if amount > 0]


@dataclass(frozen=True)
class Figures:
    owed_fen: int  # what the insurer owes institutions and has not paid: unpaid batches, and what no batch holds yet
    in_batches_fen: int  # of which in batches prepared or approved, not yet paid
    waiting_for_approval: int  # prepared batches


def dashboard_figures(s: Session) -> Figures:
    """Unpaid batches' payable, plus the insurer's part (bill - cash) of settlements and refunds in no batch.
    Those are created after the latest open batch's month began (earlier ones are all in batches but for
    stragglers, which are counted too), so the scan is of the current month or two. One statement."""
    unpaid = (BatchStatus.PREPARED.value, BatchStatus.APPROVED.value)
    since = (select(func.max(ClearingBatch.period_start))
             .where(ClearingBatch.status != BatchStatus.REJECTED.value).scalar_subquery())
    in_batches = (select(func.coalesce(func.sum(ClearingLine.payable_fen), 0))
                  .join(ClearingBatch, ClearingBatch.id == ClearingLine.batch_id)
                  .where(ClearingBatch.status.in_(unpaid)).scalar_subquery())
    settled = (select(func.coalesce(func.sum(Settlement.bill_fen - Settlement.cash_fen), 0))
               .where(or_(since.is_(None), Settlement.created_at >= since),
                      ~select(ClearingItem.source_id).where(ClearingItem.source_id == Settlement.id).exists())
               .scalar_subquery())
    refunded = (select(func.coalesce(func.sum(SettlementLine.amount_fen - SettlementLine.cash_fen), 0))
                .join(Refund, Refund.id == SettlementLine.refund_id)
                .where(or_(since.is_(None), Refund.created_at >= since),
                       ~select(ClearingItem.source_id).where(ClearingItem.source_id == Refund.id).exists())
                .scalar_subquery())
    waiting = (select(func.count()).select_from(ClearingBatch)
               .where(ClearingBatch.status == BatchStatus.PREPARED.value).scalar_subquery())
    row = s.exec(select(in_batches, settled, refunded, waiting)).one()
    return Figures(int(row[0]) + int(row[1]) - int(row[2]), int(row[0]), int(row[3]))
