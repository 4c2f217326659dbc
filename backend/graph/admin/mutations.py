"""Caps a region sets (R4)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.admin.types import PolicyLimit, PolicyLimitPayload, PolicyLimitResult
from backend.graph.core.mutations import attempt
from backend.services.region import limits


@strawberry.input
class PolicyLimitInput:
    name: str = strawberry.field(description="bindings_per_holder or grantees_per_grantor.")
    region_prefix: str = strawberry.field(description='"" everywhere, "37" Shandong, "3701" Jinan, or a full code.')
    value: int | None = strawberry.field(description="1-99, or null to remove the cap.")


@strawberry.type
class AdminMutation:
    @strawberry.mutation(description="Admins: set or clear a region's cap (R4).")
    async def set_policy_limit(self, info: Info, input: PolicyLimitInput) -> PolicyLimitResult:
        def work(rt, actor):
            limits.set_limit(rt, actor, input.name, input.region_prefix, input.value)
            return PolicyLimit(name=input.name, region_prefix=input.region_prefix, value=input.value)
        return await attempt(info, work, lambda limit: PolicyLimitPayload(limit=limit))
