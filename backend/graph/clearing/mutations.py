"""Prepare, deduct, approve, reject and pay a month's clearing; set a partner's payee account."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.clearing.types import (
    ClearingBatch,
    ClearingBatchPayload,
    ClearingBatchResult,
    ClearingDeduction,
    ClearingDeductionPayload,
    ClearingDeductionResult,
    PayeeAccountPayload,
    PayeeAccountResult,
)
from backend.graph.core import refs
from backend.graph.core.ids import key_of
from backend.graph.core.mutations import attempt
from backend.graph.core.scalars import Fen
from backend.services.clearing import batches, deductions, payee
from backend.storage import models

REASON = "Why (required; kept in the audit log)."


@strawberry.input
class PrepareClearingInput:
    month: str = strawberry.field(description="YYYY-MM, an ended month (China time).")


@strawberry.input
class ClearingBatchInput:
    batch_id: strawberry.ID


@strawberry.input
class RejectClearingInput:
    batch_id: strawberry.ID
    reason: str = strawberry.field(description=REASON)


@strawberry.input
class PayClearingInput:
    batch_id: strawberry.ID
    bank_reference: str = strawberry.field(description="The bank's reference for the transfer (letters, digits, dashes).")


@strawberry.input
class DeductInput:
    batch_id: strawberry.ID
    settlement_id: strawberry.ID
    amount_fen: Fen = strawberry.field(description="At most what the insurer still pays for the settlement.")
    reason: str = strawberry.field(description=REASON)


@strawberry.input
class PayeeAccountInput:
    partner_id: strawberry.ID
    bank_name: str
    account_number: str = strawberry.field(description="8-34 digits (spaces are dropped).")
    reason: str = strawberry.field(description=REASON)


def _batch(value: strawberry.ID):
    return key_of(value, "ClearingBatch", "batchId")


def _batch_payload(row: models.ClearingBatch) -> ClearingBatchPayload:
    return ClearingBatchPayload(batch=ClearingBatch(row=row))


@strawberry.type
class ClearingMutation:
    @strawberry.mutation(description="Clerks and admins: prepare the clearing batch of an ended month.")
    async def prepare_clearing(self, info: Info, input: PrepareClearingInput) -> ClearingBatchResult:
        return await attempt(info, lambda rt, actor: batches.prepare(rt, actor, input.month), _batch_payload)

    @strawberry.mutation(description="Auditors: deduct from a settlement of a prepared batch (审核扣款), with a "
                                     "reason; the amount goes back to the fund and the accounts that paid.")
    async def deduct_from_settlement(self, info: Info, input: DeductInput) -> ClearingDeductionResult:
        def work(rt, actor):
            batch_id = _batch(input.batch_id)
            row = deductions.deduct(rt, actor, batch_id, key_of(input.settlement_id, "Settlement", "settlementId"),
                                    input.amount_fen, input.reason)
            with rt.db.read() as s:
                return row, s.get(models.ClearingBatch, batch_id)
        return await attempt(info, work, lambda done: ClearingDeductionPayload(
            deduction=ClearingDeduction(row=done[0]), batch=ClearingBatch(row=done[1])))

    @strawberry.mutation(description="Auditors who did not prepare it: approve a prepared batch.")
    async def approve_clearing(self, info: Info, input: ClearingBatchInput) -> ClearingBatchResult:
        return await attempt(info, lambda rt, actor: batches.approve(rt, actor, _batch(input.batch_id)),
                             _batch_payload)

    @strawberry.mutation(description="Auditors: send a prepared or approved batch back, with a reason; its month "
                                     "can be prepared again.")
    async def reject_clearing(self, info: Info, input: RejectClearingInput) -> ClearingBatchResult:
        return await attempt(info, lambda rt, actor: batches.reject(rt, actor, _batch(input.batch_id), input.reason),
                             _batch_payload)

    @strawberry.mutation(description="Admins: mark an approved batch paid with the bank's reference.")
    async def pay_clearing(self, info: Info, input: PayClearingInput) -> ClearingBatchResult:
        return await attempt(info, lambda rt, actor: batches.pay(rt, actor, _batch(input.batch_id),
                                                                 input.bank_reference), _batch_payload)

    @strawberry.mutation(description="Admins: set where clearing pays a partner (bank name, account number).")
    async def set_payee_account(self, info: Info, input: PayeeAccountInput) -> PayeeAccountResult:
        def work(rt, actor):
            return payee.set_payee_account(rt, actor, key_of(input.partner_id, "Institution", "partnerId"),
                                           input.bank_name, input.account_number, input.reason)
        return await attempt(info, work, lambda row: PayeeAccountPayload(partner=refs.institution(row)))
