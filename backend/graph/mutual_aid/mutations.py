"""Grant and revoke mutual aid, cap it, order the payers, pay a relative's premium."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.core import refs
from backend.graph.core.ids import key_of
from backend.graph.core.mutations import attempt
from backend.graph.core.pools import pool_from_input
from backend.graph.core.scalars import Fen
from backend.graph.mutual_aid.types import (
    Grant,
    GrantPayload,
    GrantResult,
    PayerOrderPayload,
    PayerOrderResult,
    PremiumPaid,
    PremiumPayload,
    PremiumResult,
    payer_order_of,
)
from backend.services.money import grants, premiums


@strawberry.input
class CreateGrantInput:
    grantee_id: strawberry.ID
    monthly_cap_fen: Fen | None = None
    allow_medical: bool = True
    allow_premium: bool = True


@strawberry.input
class GrantInput:
    grant_id: strawberry.ID


@strawberry.input
class GrantLimitsInput:
    grant_id: strawberry.ID
    monthly_cap_fen: Fen | None = strawberry.field(default=None, description="null: no cap")
    allow_medical: bool | None = strawberry.field(default=None, description="null: leave as it is")
    allow_premium: bool | None = strawberry.field(default=None, description="null: leave as it is")


@strawberry.input
class PayerOrderInput:
    pools: list[str] = strawberry.field(description='"own" and Grant ids, first to last; leave out "own" to skip it.')
    cash_only: bool = False


@strawberry.input
class PayPremiumInput:
    grantee_id: strawberry.ID
    year: int


def _grant(row) -> GrantPayload:
    return GrantPayload(grant=Grant(row=row))


@strawberry.type
class MutualAidMutation:
    @strawberry.mutation(description="Let a verified near relative spend your personal account (R2, R3).")
    async def create_grant(self, info: Info, input: CreateGrantInput) -> GrantResult:
        def work(rt, actor):
            return grants.create_grant(rt, actor, key_of(input.grantee_id, "Person", "granteeId"),
                                       monthly_cap_fen=input.monthly_cap_fen, allow_medical=input.allow_medical,
                                       allow_premium=input.allow_premium)

        return await attempt(info, work, _grant)

    @strawberry.mutation(description="Stop a grant at once; what it paid stays paid.")
    async def revoke_grant(self, info: Info, input: GrantInput) -> GrantResult:
        def work(rt, actor):
            return grants.revoke_grant(rt, actor, key_of(input.grant_id, "Grant", "grantId"))

        return await attempt(info, work, _grant)

    @strawberry.mutation(description="A grant's monthly cap (null: none) and what it may pay for.")
    async def set_grant_cap(self, info: Info, input: GrantLimitsInput) -> GrantResult:
        def work(rt, actor):
            return grants.set_grant_limits(rt, actor, key_of(input.grant_id, "Grant", "grantId"),
                                           monthly_cap_fen=input.monthly_cap_fen, allow_medical=input.allow_medical,
                                           allow_premium=input.allow_premium)

        return await attempt(info, work, _grant)

    @strawberry.mutation(description="Your standing payer order (R8).")
    async def set_payer_order(self, info: Info, input: PayerOrderInput) -> PayerOrderResult:
        def work(rt, actor):
            grants.set_payer_order(rt, actor, [pool_from_input(p) for p in input.pools], input.cash_only)

        async def wrap_order(_):
            return PayerOrderPayload(payer_order=await payer_order_of(info, info.context.principal.id))

        return await attempt(info, work, wrap_order)

    @strawberry.mutation(description="Pay a grantee's resident premium for a year from your personal account (R12).")
    async def pay_premium(self, info: Info, input: PayPremiumInput) -> PremiumResult:
        def work(rt, actor):
            return premiums.pay_premium(rt, actor, key_of(input.grantee_id, "Person", "granteeId"), input.year)

        async def wrap_paid(paid):
            grantee = refs.person(await info.context.loaders.person.load(paid.person_id))
            return PremiumPayload(premium=PremiumPaid(year=paid.year, amount_fen=paid.amount_fen,
                                                      paid_at=paid.created_at, grantee=grantee))

        return await attempt(info, work, wrap_paid)
