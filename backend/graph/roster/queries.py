"""Roster imports, for auditors and admins."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.core.ids import from_global_id
from backend.graph.core.pagination import Connection, connection, requested_window
from backend.graph.roster.types import RosterImport
from backend.services.roster import roster
from backend.storage import models


@strawberry.type
class RosterQuery:
    @strawberry.field(description="Auditors and admins: roster imports, newest first.")
    async def roster_imports(self, info: Info, first: int = 20,
                             after: str | None = None) -> Connection[RosterImport] | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)

        def run():
            with ctx.rt.db.read() as s:
                return roster.imports(s, offset, limit)

        rows, total = await ctx.run(run)
        return connection([RosterImport(row=r) for r in rows], offset, total)

    @strawberry.field(description="Auditors and admins: one roster import (poll it while it runs).")
    async def roster_import(self, info: Info, id: strawberry.ID) -> RosterImport | None:
        decoded = from_global_id(id, "RosterImport")
        if decoded is None:
            return None
        ctx = info.context

        def run():
            with ctx.rt.db.read() as s:
                return s.get(models.RosterImport, decoded[1])

        row = await ctx.run(run)
        return RosterImport(row=row) if row else None
