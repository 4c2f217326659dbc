"""Codes: what a partner's scan shows, and what became of a code a household member showed."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.domain.codes import code_digest
from backend.domain.errors import DomainError
from backend.graph.core import refs
from backend.graph.core.errors import OperationError
from backend.graph.family_account import reads
from backend.graph.family_account.types import ResolveCodeResult, ResolvedCode, ShownCode
from backend.services.family_account import codes


@strawberry.type
class FamilyAccountQuery:
    @strawberry.field(description="Partners: who a scanned code is for and who showed it. Does not use it up.")
    async def resolve_code(self, info: Info, code: str) -> ResolveCodeResult | None:
        ctx = info.context
        try:
            resolved = await ctx.run(codes.resolve_code, ctx.rt, ctx.actor, code)
        except DomainError as error:
            return OperationError.of(error, ctx.locale)
        return ResolvedCode(resolved=resolved)

    @strawberry.field(description="Household: the state of a code I showed, and the settlement made with it.")
    async def shown_code(self, info: Info, code: str) -> ShownCode | None:
        ctx = info.context

        def load():
            with ctx.rt.db.read() as s:
                return reads.code_for_presenter(s, ctx.principal.id, code_digest(code))

        row, made = await ctx.run(load)
        if row is None:
            return None
        status = row.status
        if status == "live" and ctx.rt.clock.now() >= row.expires_at:
            status = "expired"
        return ShownCode(status=status, settlement=refs.settlement(made))
