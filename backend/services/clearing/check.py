"""Clearing's invariants (R16), run by `yibao verify-ledger` beside the money invariants: each query
returns the rows that break it, set-based, on the check's one snapshot.

- every deduction has one ledger transaction that returns it from the institution to the fund and the
  personal accounts that paid;
- every item of a batch carries its settlement's or refund's institution, clearing type and parts (and
  names one that exists; items have no foreign keys, see `ClearingItem`);
- every settlement and refund created before the latest batch's month is in a batch (the latest month's
  own rows are in its batch by construction; one that committed after the batch was prepared waits for
  the next month's batch, so the check starts where that month starts);
- every line of a batch that is not rejected is the sum of its items, less the deductions from its
  settlements, and its payable is fund + own + aid - deducted;
- every paid batch has one payment transaction and no other batch has one, and after it each
  institution's postings for the batch (its settlements, refunds, deductions and the payment) sum to zero:
  the receivable of a paid period is exactly zero.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.sql import Select

from backend.services.clearing import sources
from backend.storage.models import (
    ClearingBatch,
    ClearingDeduction,
    ClearingItem,
    ClearingLine,
    LedgerPosting,
    LedgerTransaction,
    Refund,
    Settlement,
)

_batch = ClearingBatch.__table__
_item = ClearingItem.__table__
_line = ClearingLine.__table__
_deduction = ClearingDeduction.__table__
_tx = LedgerTransaction.__table__
_posting = LedgerPosting.__table__
_settlement = Settlement.__table__
_refund = Refund.__table__

MONEY = ("bill_fen", "fund_fen", "own_fen", "aid_fen", "cash_fen")
OPEN = _batch.c.status != "rejected"


def deduction_sides(side, posted) -> list[Select]:
    """Branches for `ledger_check._reconcile`: what each deduction expects of its transaction, and what the
    `deduction` transactions hold (`side` and `posted` are the ledger check's own builders)."""
    d = _deduction.c
    return [select(*side(d.id, source=1, expected_txs=1, institution=d.amount_fen, fund=-d.fund_fen,
                         personal=-d.personal_fen)),
            posted("deduction")]


def items_off_sources() -> Select:
    """Items whose parts differ from their source's (or whose source is gone), by source id."""
    def side(parts, sign: int, count: int):
        c = parts.c
        return select(c.source_id.label("ref"), c.institution_id, c.clr_type, literal(count).label("items"),
                      *((c[name] * sign).label(name) for name in MONEY))

    item_rows = select(_item.c.source_id, _item.c.institution_id, _item.c.clr_type,
                       *(_item.c[name] for name in MONEY)).subquery()
    settled = sources.settlement_parts().where(_settlement.c.id.in_(select(_item.c.source_id))).subquery()
    refunded = sources.refund_parts().where(_refund.c.id.in_(select(_item.c.source_id))).subquery()
    both = union_all(side(item_rows, 1, 1), side(settled, -1, 0), side(refunded, -1, 0)).subquery()
    c = both.c
    # Grouped with the institution and clearing type too: an item under another key than its source's
    # shows as two groups, neither with one item.
    return (select(c.ref, func.sum(c["items"])).group_by(c.ref, c.institution_id, c.clr_type)
            .having(or_(func.sum(c["items"]) != 1, *(func.sum(c[name]) != 0 for name in MONEY))))


def unbatched_before_latest_month() -> Select:
    """Settlements and refunds created before the latest open batch's month began, in no batch."""
    bound = select(func.max(_batch.c.period_start)).where(OPEN).scalar_subquery()
    missing_settlements = (select(_settlement.c.id, literal("settlement"))
                           .where(_settlement.c.created_at < bound,
                                  ~select(_item.c.source_id).where(_item.c.source_id == _settlement.c.id).exists()))
    missing_refunds = (select(_refund.c.id, literal("refund"))
                       .where(_refund.c.created_at < bound,
                              ~select(_item.c.source_id).where(_item.c.source_id == _refund.c.id).exists()))
    both = union_all(missing_settlements, missing_refunds).subquery()
    return select(*both.c)


def lines_off_items() -> Select:
    """Lines of open batches that are not the sums of their items and deductions, or whose payable is off."""
    i, ln = _item.c, _line.c
    deducted = (select(_item.c.batch_id, _item.c.institution_id, _item.c.insutype, _item.c.clr_type,
                       _deduction.c.amount_fen)
                .select_from(_deduction.join(_item, _item.c.source_id == _deduction.c.settlement_id))).subquery()
    key = ("batch_id", "institution_id", "insutype", "clr_type")
    zero = {name: literal(0) for name in (*MONEY, "settlements", "refunds", "deducted_fen", "payable_fen")}

    def side(columns: dict, table_key, where=None):
        row = {**zero, **columns}
        query = select(*(c.label(k) for c, k in zip(table_key, key, strict=True)),
                       *(row[name].label(name) for name in zero))
        return query if where is None else query.where(where)

    lines = side({**{name: ln[name] for name in MONEY}, "settlements": ln.settlements, "refunds": ln.refunds,
                  "deducted_fen": ln.deducted_fen,
                  "payable_fen": ln.payable_fen - ln.fund_fen - ln.own_fen - ln.aid_fen + ln.deducted_fen},
                 [ln[k] for k in key], ln.batch_id.in_(select(_batch.c.id).where(OPEN)))
    items = side({**{name: -i[name] for name in MONEY},
                  "settlements": case((i.kind == "settlement", -1), else_=0),
                  "refunds": case((i.kind == "refund", -1), else_=0)},
                 [i[k] for k in key])
    deductions = side({"deducted_fen": -deducted.c.amount_fen}, [deducted.c[k] for k in key])
    both = union_all(lines, items, deductions).subquery()
    c = both.c
    sums = [func.sum(c[name]) != 0 for name in zero]
    return select(*(c[k] for k in key)).group_by(*(c[k] for k in key)).having(or_(*sums))


def paid_receivables_not_zero() -> Select:
    """(batch, institution account, sum) of paid batches whose institution postings do not cancel out, and
    batches with a payment transaction count other than one while paid (zero otherwise)."""
    inst = _posting.c.account.like("institution:%")
    tx_posting = _tx.join(_posting, _posting.c.transaction_id == _tx.c.id)
    member_tx = (select(_item.c.batch_id.label("batch_id"), _posting.c.account.label("account"),
                        _posting.c.amount_fen.label("amount"))
                 .select_from(tx_posting.join(_item, _item.c.source_id == _tx.c.reference_id))
                 .where(inst, or_(and_(_item.c.kind == "settlement", _tx.c.kind == "settlement"),
                                  and_(_item.c.kind == "refund", _tx.c.kind.in_(("refund", "reversal"))))))
    deduction_tx = (select(_item.c.batch_id, _posting.c.account, _posting.c.amount_fen)
                    .select_from(tx_posting.join(_deduction, _deduction.c.id == _tx.c.reference_id)
                                 .join(_item, _item.c.source_id == _deduction.c.settlement_id))
                    .where(inst, _tx.c.kind == "deduction"))
    payment_tx = (select(_tx.c.reference_id, _posting.c.account, _posting.c.amount_fen)
                  .select_from(tx_posting).where(inst, _tx.c.kind == "clearing_payment"))
    flows = union_all(member_tx, deduction_tx, payment_tx).subquery()
    paid = select(_batch.c.id).where(_batch.c.status == "paid")
    unbalanced = (select(flows.c.batch_id, flows.c.account, func.sum(flows.c.amount))
                  .where(flows.c.batch_id.in_(paid))
                  .group_by(flows.c.batch_id, flows.c.account).having(func.sum(flows.c.amount) != 0))
    payments = (select(_tx.c.reference_id.label("batch_id"), func.count().label("n"))
                .where(_tx.c.kind == "clearing_payment").group_by(_tx.c.reference_id).subquery())
    miscounted = (select(_batch.c.id, _batch.c.status, func.coalesce(payments.c.n, 0))
                  .select_from(_batch.outerjoin(payments, payments.c.batch_id == _batch.c.id))
                  .where(or_(and_(_batch.c.status == "paid", func.coalesce(payments.c.n, 0) != 1),
                             and_(_batch.c.status != "paid", func.coalesce(payments.c.n, 0) != 0))))
    both = union_all(unbalanced, miscounted).subquery()
    return select(*both.c)

