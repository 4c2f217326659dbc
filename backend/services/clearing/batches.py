"""A month's clearing batch (R16): prepare, approve, reject, pay. Maker-checker: whoever prepared a batch
never approves it.

- **prepare** (clerk or admin): only an ended month (China time), only once (no batch that is not rejected
  for this month or a later one); membership in one statement per kind (`sources.add_settlements`,
  `sources.add_refunds`), then one `INSERT ... SELECT ... GROUP BY` of the lines, in the same transaction.
  Prepares are serialized (a transaction-level advisory lock on PostgreSQL; SQLite's writers queue anyway).
- **approve** (auditor or admin, not the preparer), **reject** (auditor or admin, with a reason: the items
  are released, so the month can be prepared again; deductions already made stay with their settlements
  and count in the next batch that holds them), **pay** (admin, with the bank's reference): one balanced
  ledger transaction that moves each institution's receivable out, the payable to `payout:<id>` and the
  cash it took at its counter to `collected:<id>`, after which its `institution:<id>` postings for the
  batch's settlements, refunds, deductions and the payment sum to zero (`yibao verify-ledger` checks it).
"""

from __future__ import annotations

import uuid

from sqlalchemy import case, delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.clock import CHINA
from backend.domain.clearing import BatchStatus, Month, check_bank_reference, require_ended
from backend.domain.errors import N_, DomainError, ErrorCode, Msg
from backend.domain.text import clean_reason
from backend.policy import is_admin, is_auditor, is_clerk_or_admin
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.clearing import sources
from backend.services.money import ledger
from backend.services.platform import audit
from backend.storage.models import ClearingBatch, ClearingDeduction, ClearingItem, ClearingLine, Institution

_item = ClearingItem.__table__
_line = ClearingLine.__table__
_deduction = ClearingDeduction.__table__
_batch = ClearingBatch.__table__

# Status names as messages show them (BATCH_STATE's {status}).
STATUS_LABELS = {BatchStatus.PREPARED: N_("prepared"), BatchStatus.APPROVED: N_("approved"),
                 BatchStatus.PAID: N_("paid"), BatchStatus.REJECTED: N_("rejected")}
_PREPARE_LOCK = 0x59424331  # "YBC1": one prepare at a time


def _staff_id(actor: Actor) -> uuid.UUID:
    if actor.principal.id is None:  # the command line's SYSTEM has no staff row to name as maker or checker
        raise DomainError(ErrorCode.NOT_ALLOWED)
    return actor.principal.id


def state_error(batch: ClearingBatch) -> DomainError:
    return DomainError(ErrorCode.BATCH_STATE, field="batchId", status=Msg(STATUS_LABELS[BatchStatus(batch.status)]))


def locked_batch(s: Session, batch_id: uuid.UUID, *expected: BatchStatus) -> ClearingBatch:
    batch = s.get(ClearingBatch, batch_id, with_for_update=True)
    if batch is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="batchId")
    if batch.status not in expected:
        raise state_error(batch)
    return batch


def write_lines(s: Session, batch_id: uuid.UUID) -> None:
    """One line per institution and clearing key, summed from the batch's items, with the deductions
    already made from its settlements (a batch prepared again after a rejection keeps them)."""
    deducted = (select(_deduction.c.settlement_id, func.sum(_deduction.c.amount_fen).label("amount"))
                .group_by(_deduction.c.settlement_id).subquery())
    i = _item.c
    total_deducted = func.coalesce(func.sum(deducted.c.amount), 0)
    chosen = (select(i.batch_id, i.institution_id, i.insutype, i.clr_type,
                     func.sum(case((i.kind == "settlement", 1), else_=0)),
                     func.sum(case((i.kind == "refund", 1), else_=0)),
                     func.sum(i.bill_fen), func.sum(i.fund_fen), func.sum(i.own_fen), func.sum(i.aid_fen),
                     func.sum(i.cash_fen), total_deducted,
                     func.sum(i.fund_fen) + func.sum(i.own_fen) + func.sum(i.aid_fen) - total_deducted)
              .select_from(_item.outerjoin(deducted, deducted.c.settlement_id == i.source_id))
              .where(i.batch_id == batch_id)
              .group_by(i.batch_id, i.institution_id, i.insutype, i.clr_type))
    columns = ["batch_id", "institution_id", "insutype", "clr_type", "settlements", "refunds", "bill_fen", "fund_fen",
               "own_fen", "aid_fen", "cash_fen", "deducted_fen", "payable_fen"]
    s.connection().execute(insert(_line).from_select(columns, chosen))


def prepare(rt: Runtime, actor: Actor, month_text: str) -> ClearingBatch:
    """A clerk (or admin) prepares the batch of an ended month."""
    if not is_clerk_or_admin(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)
    preparer = _staff_id(actor)
    month = Month.parse(month_text)
    now = rt.clock.now()
    require_ended(month, now, CHINA)

    def work(s: Session) -> ClearingBatch:
        if rt.db.dialect == "postgresql":
            s.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PREPARE_LOCK})
        taken = s.connection().execute(
            select(func.count()).where(_batch.c.month >= str(month), _batch.c.status != BatchStatus.REJECTED.value)
        ).scalar_one()
        if taken:
            raise DomainError(ErrorCode.BATCH_EXISTS, field="month", month=str(month))
        batch = ClearingBatch(month=str(month), period_start=month.start(CHINA), period_end=month.end(CHINA),
                              status=BatchStatus.PREPARED.value, prepared_by=preparer, prepared_at=now)
        s.add(batch)
        s.flush()
        settlements = sources.add_settlements(s, batch.id, batch.period_end)
        refunds = sources.add_refunds(s, batch.id, batch.period_end)
        write_lines(s, batch.id)
        audit.record(s, actor, "clearing.prepare", at=now, batch_id=batch.id, month=str(month),
                     settlements=settlements, refunds=refunds)
        return batch

    try:
        return rt.db.write(work)
    except IntegrityError:  # a concurrent prepare of the same month won (the partial unique index)
        raise DomainError(ErrorCode.BATCH_EXISTS, field="month", month=str(month)) from None


def approve(rt: Runtime, actor: Actor, batch_id: uuid.UUID) -> ClearingBatch:
    """An auditor (or admin) who did not prepare it approves a prepared batch."""
    if not is_auditor(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)
    checker = _staff_id(actor)

    def work(s: Session) -> ClearingBatch:
        batch = locked_batch(s, batch_id, BatchStatus.PREPARED)
        if batch.prepared_by == checker:
            raise DomainError(ErrorCode.OWN_BATCH, field="batchId")
        now = rt.clock.now()
        batch.status, batch.approved_by, batch.approved_at = BatchStatus.APPROVED.value, checker, now
        s.add(batch)
        audit.record(s, actor, "clearing.approve", at=now, batch_id=batch.id, month=batch.month)
        return batch

    return rt.db.write(work)


def reject(rt: Runtime, actor: Actor, batch_id: uuid.UUID, reason: str) -> ClearingBatch:
    """An auditor (or admin) sends a prepared or approved batch back, with a reason; its settlements and
    refunds are released for the month to be prepared again."""
    if not is_auditor(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)
    checker = _staff_id(actor)
    why = clean_reason(reason)

    def work(s: Session) -> ClearingBatch:
        batch = locked_batch(s, batch_id, BatchStatus.PREPARED, BatchStatus.APPROVED)
        now = rt.clock.now()
        released = s.connection().execute(delete(_item).where(_item.c.batch_id == batch.id)).rowcount
        batch.status, batch.rejected_by, batch.rejected_at, batch.reject_reason = (
            BatchStatus.REJECTED.value, checker, now, why)
        s.add(batch)
        audit.record(s, actor, "clearing.reject", at=now, batch_id=batch.id, month=batch.month, reason=why,
                     released=released)
        return batch

    return rt.db.write(work)


def pay(rt: Runtime, actor: Actor, batch_id: uuid.UUID, bank_reference: str) -> ClearingBatch:
    """An admin marks an approved batch paid with the bank's reference; the receivables move out."""
    if not is_admin(actor.principal):
        raise DomainError(ErrorCode.NOT_ALLOWED)
    payer = _staff_id(actor)
    reference = check_bank_reference(bank_reference)

    def work(s: Session) -> ClearingBatch:
        batch = locked_batch(s, batch_id, BatchStatus.APPROVED)
        c = s.connection()
        totals = c.execute(select(_line.c.institution_id, func.sum(_line.c.payable_fen), func.sum(_line.c.cash_fen))
                           .where(_line.c.batch_id == batch.id).group_by(_line.c.institution_id)
                           .order_by(_line.c.institution_id)).all()
        payees = {row.id: row for row in c.execute(
            select(Institution.__table__).where(Institution.__table__.c.id.in_([t[0] for t in totals])))}
        for institution_id, payable_fen, _cash in totals:
            if payable_fen > 0 and not payees[institution_id].payee_account_no:
                raise DomainError(ErrorCode.PAYEE_ACCOUNT_MISSING, field="batchId",
                                  name=payees[institution_id].name)
        now = rt.clock.now()
        movements = []
        for institution_id, payable_fen, cash_fen in totals:
            house = ledger.institution(institution_id)
            movements += [_movement(house, ledger.payout(institution_id), payable_fen),
                          _movement(house, ledger.collected(institution_id), cash_fen)]
        ledger.record(s, "clearing_payment", batch.id, now, movements)
        batch.status, batch.paid_by, batch.paid_at, batch.bank_reference = BatchStatus.PAID.value, payer, now, reference
        s.add(batch)
        audit.record(s, actor, "clearing.pay", at=now, batch_id=batch.id, month=batch.month,
                     bank_reference=reference, payable_fen=sum(t[1] for t in totals))
        return batch

    return rt.db.write(work)


def _movement(house: str, out: str, amount_fen: int) -> ledger.Movement:
    """Out of the institution's account; a negative amount (more refunded than settled) comes back in."""
    return ledger.Movement(house, out, amount_fen) if amount_fen >= 0 else ledger.Movement(out, house, -amount_fen)
