"""预结算: a partner's quote of a bill, computed exactly as `settle` would, writing nothing."""

from __future__ import annotations

import datetime

import strawberry
from strawberry.types import Info

from backend.domain.errors import DomainError
from backend.domain.settlement import VisitType
from backend.graph.core.errors import OperationError
from backend.graph.settlement.mutations import BillLineInput, bill_lines
from backend.graph.settlement.types import QuoteResult, SettlementQuote, VisitTypeEnum
from backend.services.money import settlement


@strawberry.input(description="A bill to quote: settle's input without the idempotency key.")
class QuoteInput:
    code: str = strawberry.field(description="The scanned code (quoting does not use it up).")
    visit_type: VisitTypeEnum
    service_date: datetime.date
    lines: list[BillLineInput]
    allow_cash: bool = strawberry.field(default=True, description="False: refuse unless accounts cover everything.")


@strawberry.type
class SettlementQuery:
    @strawberry.field(description="Partners: 预结算, the split `settle` would make for this bill now (same parameters, "
                                  "catalogue, grants, caps and payer order), with nothing written and the code "
                                  "not used up. Refused with the same error codes as settle.")
    async def quote(self, info: Info, input: QuoteInput) -> QuoteResult | None:
        ctx = info.context
        lines = bill_lines(input.lines)
        bill = settlement.Bill(code=input.code, visit_type=VisitType(input.visit_type),
                               service_date=input.service_date, lines=lines, allow_cash=input.allow_cash)
        try:
            computed = await ctx.run(settlement.quote, ctx.rt, ctx.actor, bill)
        except DomainError as error:
            return OperationError.of(error, ctx.locale)
        return SettlementQuote(row=computed.split, computed=computed, bill_lines=lines,
                               institution_id=ctx.principal.id)
