"""Claims waiting for a clerk."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.core.pagination import Connection, connection, requested_window
from backend.graph.family import reads
from backend.graph.family.types import Relationship


@strawberry.type
class FamilyQuery:
    @strawberry.field(description="Staff: claimed relationships waiting for verification, oldest first.")
    async def relationship_claims(self, info: Info, first: int = 20,
                                  after: str | None = None) -> Connection[Relationship] | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)

        def run():
            with ctx.rt.db.read() as s:
                return reads.pending_claims(s, offset, limit)

        rows, total = await ctx.run(run)
        return connection([Relationship(row=r) for r in rows], offset, total)
