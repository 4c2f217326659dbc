"""Every read clearing makes of settlements, refunds and their pool payments, in one module.

What a settlement adds to a batch: its bill, fund, own-account part (the `own` pool), mutual aid (every
grant pool: bill - fund - cash - own, since the pools pay exactly the personal share not paid in cash)
and cash. A refund or reversal adds the same parts of the lines it returned, negated. Its insurance type
is the subject's enrolment when the batch is prepared (settlements do not record it); its clearing type
follows the visit type.

Membership is decided set-based, in one `INSERT ... SELECT` per kind: every settlement and refund created
before the end of the batch's month that is in no batch yet. `clearingitem`'s key is the source's id, so
a row can never be in two batches; a row whose transaction commits after the batch was prepared (it took
its time before the month ended and committed after) is in no batch yet, and the next month's batch takes
it: a closed month is never reopened.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, and_, case, cast, exists, func, insert, literal, select
from sqlmodel import Session

from backend.domain.insurance import CLEARING_TYPE_CODE, INSUTYPE_CODE
from backend.storage.models import (
    ClearingDeduction,
    ClearingItem,
    LedgerPosting,
    LedgerTransaction,
    Refund,
    Settlement,
    SettlementLine,
    SettlementPayment,
)

_s = Settlement.__table__
_r = Refund.__table__
_l = SettlementLine.__table__
_p = SettlementPayment.__table__
_i = ClearingItem.__table__
_d = ClearingDeduction.__table__
_tx = LedgerTransaction.__table__
_posting = LedgerPosting.__table__

OWN_POOL = "own"


def _insutype():
    return case(*((_s.c.insurance_type == kind.value, code) for kind, code in INSUTYPE_CODE.items()), else_="390")


def _clr_type():
    return case(*((_s.c.visit_type == visit, code) for visit, code in CLEARING_TYPE_CODE.items()), else_="11")


def _own_payment():
    """A line's own-account payment (at most one per line: the payment key is line and pool)."""
    return and_(_p.c.line_id == _l.c.id, _p.c.line_created_at == _l.c.created_at, _p.c.pool == OWN_POOL)


def _unbatched(source_id) -> object:
    return ~exists().where(_i.c.source_id == source_id)


PARTS = ("source_id", "kind", "institution_id", "insutype", "clr_type", "bill_fen", "fund_fen", "own_fen", "aid_fen",
         "cash_fen")


def settlement_parts():
    """Each settlement's parts, labelled as `PARTS` (its own rows joined with its lines' own-account payments)."""
    own = func.coalesce(func.sum(_p.c.amount_fen), 0)
    columns = (_s.c.id, literal("settlement"), _s.c.institution_id, _insutype(), _clr_type(), _s.c.bill_fen,
               _s.c.fund_fen, cast(own, BigInteger), cast(_s.c.bill_fen - _s.c.fund_fen - _s.c.cash_fen - own, BigInteger),
               _s.c.cash_fen)
    return (select(*(c.label(name) for c, name in zip(columns, PARTS, strict=True)))
            .select_from(_s.outerjoin(_l, and_(_l.c.settlement_id == _s.c.id, _l.c.created_at == _s.c.created_at))
                         .outerjoin(_p, _own_payment()))
            .group_by(_s.c.id, _s.c.institution_id, _s.c.insurance_type, _s.c.visit_type, _s.c.bill_fen, _s.c.fund_fen,
                      _s.c.cash_fen))


def refund_parts():
    """Each refund's and reversal's parts (those of the lines it returned, negated), labelled as `PARTS`."""
    own = func.coalesce(func.sum(_p.c.amount_fen), 0)
    fund, cash = func.sum(_l.c.fund_fen), func.sum(_l.c.cash_fen)
    columns = (_r.c.id, literal("refund"), _s.c.institution_id, _insutype(), _clr_type(),
               cast(-_r.c.amount_fen, BigInteger), cast(-fund, BigInteger), cast(-own, BigInteger),
               cast(-(_r.c.amount_fen - fund - cash - own), BigInteger), cast(-cash, BigInteger))
    return (select(*(c.label(name) for c, name in zip(columns, PARTS, strict=True)))
            .select_from(_r.join(_s, _s.c.id == _r.c.settlement_id)
                         .join(_l, and_(_l.c.settlement_id == _s.c.id, _l.c.created_at == _s.c.created_at,
                                        _l.c.refund_id == _r.c.id))
                         .outerjoin(_p, _own_payment()))
            .group_by(_r.c.id, _r.c.amount_fen, _s.c.institution_id, _s.c.insurance_type, _s.c.visit_type))


def add_settlements(s: Session, batch_id: uuid.UUID, before: datetime) -> int:
    """Put every settlement created before `before` and in no batch into this one; how many."""
    return _fill(s, batch_id, settlement_parts().where(_s.c.created_at < before, _unbatched(_s.c.id)))


def add_refunds(s: Session, batch_id: uuid.UUID, before: datetime) -> int:
    """Put every refund and reversal created before `before` and in no batch into this one (negated)."""
    return _fill(s, batch_id, refund_parts().where(_r.c.created_at < before, _unbatched(_r.c.id)))


def _fill(s: Session, batch_id: uuid.UUID, parts) -> int:
    chosen = parts.subquery()
    rows = select(literal(batch_id, _i.c.batch_id.type), *(chosen.c[name] for name in PARTS))
    return s.connection().execute(insert(_i).from_select(["batch_id", *PARTS], rows)).rowcount


def settlement_for_deduction(s: Session, settlement_id: uuid.UUID):
    """The settlement row, locked (refunds lock it first too, so a deduction and a refund queue)."""
    return s.get(Settlement, settlement_id, with_for_update=True)


def deduction_room(s: Session, settlement_id: uuid.UUID) -> tuple[str, int, dict[uuid.UUID, int]]:
    """What is left to deduct from a settlement, by source: (the fund account that paid it, the fund's
    part of its unrefunded lines less earlier deductions, each payer's unrefunded payments less what
    earlier deductions returned to them)."""
    c = s.connection()
    fund_account = c.execute(
        select(_posting.c.account).select_from(_tx.join(_posting, _posting.c.transaction_id == _tx.c.id))
        .where(_tx.c.kind == "settlement", _tx.c.reference_id == settlement_id, _posting.c.account.like("fund:%"))
        .limit(1)).scalar()
    fund = c.execute(select(func.coalesce(func.sum(_l.c.fund_fen), 0))
                     .where(_l.c.settlement_id == settlement_id, _l.c.refund_id.is_(None))).scalar_one()
    fund -= c.execute(select(func.coalesce(func.sum(_d.c.fund_fen), 0))
                      .where(_d.c.settlement_id == settlement_id)).scalar_one()
    paid = c.execute(select(_p.c.payer_id, func.sum(_p.c.amount_fen))
                     .select_from(_l.join(_p, and_(_p.c.line_id == _l.c.id, _p.c.line_created_at == _l.c.created_at)))
                     .where(_l.c.settlement_id == settlement_id, _l.c.refund_id.is_(None))
                     .group_by(_p.c.payer_id).order_by(_p.c.payer_id)).all()
    returned = dict(c.execute(
        select(_posting.c.person_id, func.sum(_posting.c.amount_fen))
        .select_from(_tx.join(_posting, _posting.c.transaction_id == _tx.c.id)
                     .join(_d, and_(_d.c.id == _tx.c.reference_id, _tx.c.kind == "deduction")))
        .where(_d.c.settlement_id == settlement_id, _posting.c.person_id.is_not(None))
        .group_by(_posting.c.person_id)).all())
    payers = {payer: int(amount - returned.get(payer, 0)) for payer, amount in paid}
    return fund_account or "fund:none", int(fund), {p: left for p, left in payers.items() if left > 0}
