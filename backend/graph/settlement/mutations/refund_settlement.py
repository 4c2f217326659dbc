"""Partners refund a settlement they made, whole or by line, within the refund window."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.core.mutations import attempt
from backend.graph.settlement.types import SettlementResult, refund_target, settlement_payload
from backend.services.money import settlement


@strawberry.input
class RefundInput:
    settlement_id: strawberry.ID
    line_numbers: list[int] | None = strawberry.field(default=None, description="Omit to refund every line left.")
    idempotency_key: str
    reason: str | None = None


@strawberry.type
class RefundSettlementMutation:
    @strawberry.mutation(description="Partners: refund a settlement you made, whole or by line, within the window.")
    async def refund_settlement(self, info: Info, input: RefundInput) -> SettlementResult:
        def work(rt, actor):
            sid, lines = refund_target(input.settlement_id, input.line_numbers)
            settlement.refund(rt, actor, settlement.RefundRequest(sid, lines, input.idempotency_key, input.reason))
            return sid

        return await attempt(info, work, lambda sid: settlement_payload(info, sid))
