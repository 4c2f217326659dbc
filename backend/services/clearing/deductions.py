"""审核扣款: an auditor deducts from a settlement in a prepared batch, with a reason (R16).

The deducted amount is never paid out: one `deduction` ledger transaction returns it from the institution's
account to where it came from, the fund that paid and each personal account that paid, in proportion to
what each still holds of the settlement (`domain.clearing.split_deduction`). The batch line of the
settlement's key is lowered in the same transaction. A settlement with a deduction can no longer be
refunded (`sources.has_deductions`, checked by refunds), so no fen goes back twice. The year's
accumulators are not moved: the person was treated and settled; the insurer refuses the institution.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlmodel import Session

from backend.domain.clearing import BatchStatus, split_deduction
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.text import clean_reason
from backend.policy import is_auditor
from backend.principals import Actor
from backend.runtime import Runtime
from backend.services.clearing import sources
from backend.services.clearing.batches import locked_batch
from backend.services.money import ledger
from backend.services.platform import audit
from backend.storage.models import ClearingDeduction, ClearingItem, ClearingLine

_item = ClearingItem.__table__
_line = ClearingLine.__table__


def deduct(rt: Runtime, actor: Actor, batch_id: uuid.UUID, settlement_id: uuid.UUID, amount_fen: int,
           reason: str) -> ClearingDeduction:
    if not is_auditor(actor.principal) or actor.principal.id is None:
        raise DomainError(ErrorCode.NOT_ALLOWED)
    why = clean_reason(reason)
    if amount_fen <= 0:
        raise DomainError(ErrorCode.AMOUNT_INVALID, field="amount")

    def work(s: Session) -> ClearingDeduction:
        batch = locked_batch(s, batch_id, BatchStatus.PREPARED)
        item = s.connection().execute(select(_item).where(_item.c.source_id == settlement_id,
                                                          _item.c.kind == "settlement",
                                                          _item.c.batch_id == batch.id)).first()
        if item is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="settlementId")
        settlement = sources.settlement_for_deduction(s, settlement_id)
        fund_account, fund_room, payer_room = sources.deduction_room(s, settlement_id)
        fund_part, payer_parts = split_deduction(amount_fen, fund_room, payer_room)
        now = rt.clock.now()
        row = ClearingDeduction(settlement_id=settlement_id, batch_id=batch.id, amount_fen=amount_fen,
                                fund_fen=fund_part, personal_fen=sum(payer_parts.values()), reason=why,
                                created_by=actor.principal.id, created_at=now)
        s.add(row)
        s.flush()
        house = ledger.institution(settlement.institution_id)
        movements = [ledger.Movement(house, fund_account, fund_part)]
        movements += [ledger.Movement(house, ledger.personal(payer), amount, target_person=payer)
                      for payer, amount in sorted(payer_parts.items())]
        ledger.record(s, "deduction", row.id, now, movements)
        key = ((_line.c.batch_id == batch.id) & (_line.c.institution_id == item.institution_id)
               & (_line.c.insutype == item.insutype) & (_line.c.clr_type == item.clr_type))
        s.connection().execute(update(_line).where(key).values(deducted_fen=_line.c.deducted_fen + amount_fen,
                                                               payable_fen=_line.c.payable_fen - amount_fen))
        audit.record(s, actor, "clearing.deduct", at=now, subject_person_id=settlement.subject_id,
                     batch_id=batch.id, settlement_id=settlement_id, deduction_id=row.id, amount_fen=amount_fen,
                     fund_fen=fund_part, personal_fen=row.personal_fen, reason=why)
        return row

    return rt.db.write(work)
