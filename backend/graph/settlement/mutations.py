"""Settle (partners, for a scanned code), refund (the partner that settled, within the window) and reverse
(staff, any time, with a reason)."""

from __future__ import annotations

import datetime

import strawberry
from strawberry.types import Info

from backend.domain.settlement import BillLine, Category, VisitType
from backend.graph.core.mutations import attempt
from backend.graph.core.scalars import Fen
from backend.graph.settlement.types import (
    CategoryEnum,
    SettlementResult,
    VisitTypeEnum,
    refund_target,
    settlement_payload,
)
from backend.services.money import settlement


@strawberry.input
class BillLineInput:
    item_code: str = strawberry.field(description="The institution's own item code (medins_list_codg): its approved "
                                                  "mapping decides the line's class and price cap (R18).")
    name: str
    unit_price_fen: Fen
    quantity: int = 1
    category: CategoryEnum | None = strawberry.field(
        default=None, description="Optional, only checked: if sent for a mapped item and the catalogue's class "
                                  "differs, the bill is refused (LINE_CATEGORY_MISMATCH).")
    national_code: str | None = strawberry.field(
        default=None, description="Optional national code (med_list_codg), only checked: if sent for a mapped item "
                                  "it must be the approved mapping's (LINE_NATIONAL_CODE_MISMATCH).")


@strawberry.input
class SettleInput:
    code: str = strawberry.field(description="The scanned code.")
    visit_type: VisitTypeEnum
    service_date: datetime.date
    lines: list[BillLineInput]
    idempotency_key: str = strawberry.field(description="8-80 characters, unique per request; retry with the same key.")
    allow_cash: bool = strawberry.field(default=True, description="False: refuse unless accounts cover everything.")
    receipt_number: str | None = strawberry.field(
        default=None, description="Your own receipt number (1-40 characters), unique among your settlements: "
                                  "readable as Settlement.receiptNumber and searchable in Institution.settlements.")


@strawberry.input
class RefundInput:
    settlement_id: strawberry.ID
    line_numbers: list[int] | None = strawberry.field(default=None, description="Omit to refund every line left.")
    idempotency_key: str
    reason: str | None = None


@strawberry.input
class ReverseInput:
    settlement_id: strawberry.ID
    line_numbers: list[int] | None = None
    reason: str


def bill_lines(lines: list[BillLineInput]) -> list[BillLine]:
    return [BillLine(ln.item_code.strip(), ln.name.strip(),
                     Category(ln.category) if ln.category is not None else None, ln.unit_price_fen,
                     ln.quantity, ln.national_code.strip() if ln.national_code is not None else None)
            for ln in lines]


@strawberry.type
class SettlementMutation:
    @strawberry.mutation(description="Partners: settle a bill for a scanned code (one transaction, idempotent).")
    async def settle(self, info: Info, input: SettleInput) -> SettlementResult:
        def work(rt, actor):
            lines = bill_lines(input.lines)
            request = settlement.SettleRequest(code=input.code, visit_type=VisitType(input.visit_type),
                                               service_date=input.service_date, lines=lines,
                                               idempotency_key=input.idempotency_key, allow_cash=input.allow_cash,
                                               receipt_number=input.receipt_number)
            return settlement.settle_written(rt, actor, request)

        def payload(settled: settlement.Settled):
            if settled.row is not None:  # as written: the payload needs no read back
                info.context.loaders.settlement.prime(settled.id, settled.row)
            return settlement_payload(info, settled.id)

        return await attempt(info, work, payload)

    @strawberry.mutation(description="Partners: refund a settlement you made, whole or by line, within the window.")
    async def refund_settlement(self, info: Info, input: RefundInput) -> SettlementResult:
        def work(rt, actor):
            sid, lines = refund_target(input.settlement_id, input.line_numbers)
            settlement.refund(rt, actor, settlement.RefundRequest(sid, lines, input.idempotency_key, input.reason))
            return sid

        return await attempt(info, work, lambda sid: settlement_payload(info, sid))

    @strawberry.mutation(description="Staff (clerk, admin): reverse a settlement or lines of it, with a reason.")
    async def reverse_settlement(self, info: Info, input: ReverseInput) -> SettlementResult:
        def work(rt, actor):
            sid, lines = refund_target(input.settlement_id, input.line_numbers)
            settlement.reverse(rt, actor, settlement.RefundRequest(sid, lines, reason=input.reason))
            return sid

        return await attempt(info, work, lambda sid: settlement_payload(info, sid))
