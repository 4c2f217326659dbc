"""Query.dashboard."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.dashboard.types import Dashboard
from backend.services.admin import dashboard


@strawberry.type
class DashboardQuery:
    @strawberry.field(description="Staff: settlements today and this month with their split, live grants and "
                                  "bindings, claims waiting. Figures only: reading them is not a read of anyone's data.")
    async def dashboard(self, info: Info) -> Dashboard | None:
        ctx = info.context

        def run():
            with ctx.rt.db.read() as s:
                return dashboard.figures(s, ctx.rt.clock.now())

        return Dashboard.of(await ctx.run(run))
