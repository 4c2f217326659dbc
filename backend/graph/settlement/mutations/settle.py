"""Partners settle a bill for a scanned code."""

from __future__ import annotations

import datetime

import strawberry
from strawberry.types import Info

from backend.domain.settlement import BillLine, Category, VisitType
from backend.graph.core.mutations import attempt
from backend.graph.core.scalars import Fen
from backend.graph.settlement.types import CategoryEnum, SettlementResult, VisitTypeEnum, settlement_payload
from backend.services.money import settlement


@strawberry.input
class BillLineInput:
    item_code: str
    name: str
    category: CategoryEnum
    unit_price_fen: Fen
    quantity: int = 1


@strawberry.input
class SettleInput:
    code: str = strawberry.field(description="The scanned code.")
    visit_type: VisitTypeEnum
    service_date: datetime.date
    lines: list[BillLineInput]
    idempotency_key: str = strawberry.field(description="8-80 characters, unique per request; retry with the same key.")
    allow_cash: bool = strawberry.field(default=True, description="False: refuse unless accounts cover everything.")


@strawberry.type
class SettleMutation:
    @strawberry.mutation(description="Partners: settle a bill for a scanned code (one transaction, idempotent).")
    async def settle(self, info: Info, input: SettleInput) -> SettlementResult:
        def work(rt, actor):
            lines = [BillLine(ln.item_code.strip(), ln.name.strip(), Category(ln.category), ln.unit_price_fen,
                              ln.quantity) for ln in input.lines]
            request = settlement.SettleRequest(code=input.code, visit_type=VisitType(input.visit_type),
                                               service_date=input.service_date, lines=lines,
                                               idempotency_key=input.idempotency_key, allow_cash=input.allow_cash)
            return settlement.settle_written(rt, actor, request)

        def payload(settled: settlement.Settled):
            if settled.row is not None:  # as written: the payload needs no read back
                info.context.loaders.settlement.prime(settled.id, settled.row)
            return settlement_payload(info, settled.id)

        return await attempt(info, work, payload)
