"""Staff reverse a settlement, or lines of it, at any time, with a reason."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.core.mutations import attempt
from backend.graph.settlement.types import SettlementResult, refund_target, settlement_payload
from backend.services.money import settlement


@strawberry.input
class ReverseInput:
    settlement_id: strawberry.ID
    line_numbers: list[int] | None = None
    reason: str


@strawberry.type
class ReverseSettlementMutation:
    @strawberry.mutation(description="Staff (clerk, admin): reverse a settlement or lines of it, with a reason.")
    async def reverse_settlement(self, info: Info, input: ReverseInput) -> SettlementResult:
        def work(rt, actor):
            sid, lines = refund_target(input.settlement_id, input.line_numbers)
            settlement.reverse(rt, actor, settlement.RefundRequest(sid, lines, reason=input.reason))
            return sid

        return await attempt(info, work, lambda sid: settlement_payload(info, sid))
