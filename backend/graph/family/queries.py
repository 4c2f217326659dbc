"""Claims waiting for a clerk."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.core.pagination import Connection, keyset_connection, keyset_window, sql_key
from backend.graph.family import reads
from backend.graph.family.types import Relationship


@strawberry.type
class FamilyQuery:
    @strawberry.field(description="Staff: claimed relationships waiting for verification, oldest first.")
    async def relationship_claims(self, info: Info, first: int = 20,
                                  after: str | None = None) -> Connection[Relationship] | None:
        ctx = info.context
        start, limit = keyset_window(ctx, first, after)

        def run():
            with ctx.rt.db.read() as s:
                return reads.pending_claims(s, start, limit)

        rows, total, more = await ctx.run(run)
        return keyset_connection([Relationship(row=r) for r in rows], [sql_key(r.claimed_at, r.id) for r in rows],
                                 total=total, has_next=more, has_previous=start is not None)
