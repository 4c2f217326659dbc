"""Grants, what they paid, payer order and premiums."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
import datetime
import uuid
from typing import Annotated, Union

import strawberry
from strawberry.types import Info

from backend.domain.errors import DomainError
from backend.domain.grants import GrantStatus
from backend.domain.pools import grant_of
from backend.graph.core import refs
from backend.graph.core.errors import OperationError
from backend.graph.core.loaders import now_or_later
from backend.graph.core.node import Node, register
from backend.graph.core.pagination import Connection, newest_first, oldest_first, paginate
from backend.graph.core.pools import public_pool
from backend.graph.core.scalars import Fen
from backend.graph.core.wrappers import Wrapper
from backend.i18n import gettext
from backend.services.money import grants
from backend.services.money.statement import valid_year
from backend.storage import models

GrantStatusEnum = strawberry.enum(GrantStatus, name="GrantStatus")


@strawberry.type(description="One payment a grant made: amount, date and where; never the medical lines.")
class GrantUse:
    at: datetime.datetime
    amount_fen: Fen
    kind: str = strawberry.field(description="medical or premium")
    institution_name: str | None
    refunded_fen: Fen


@strawberry.type(description="What one grant paid in a year, as totals: never the grantee's lines.")
class GrantYearPaid:
    year: int
    medical_fen: Fen = strawberry.field(description="Towards the grantee's settled bills (refunded lines left out).")
    premium_fen: Fen = strawberry.field(description="Resident premiums paid for that year.")


GrantPaidInResult = Annotated[Union[GrantYearPaid, OperationError], strawberry.union("GrantPaidInResult")]


@register("grant")
@strawberry.type(description="Family mutual aid (家庭共济): the grantor's personal account pays for the grantee.")
class Grant(Node):
    row: strawberry.Private[models.Grant]

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.grantor_id, self.row.grantee_id)

    async def _view(self, info: Info) -> grants.GrantView:
        return await info.context.loaders.grant_view.load(self.row.id)

    @strawberry.field
    def grantor(self, info: Info) -> refs.Person:
        return now_or_later(info.context.loaders.person, self.row.grantor_id, refs.person)

    @strawberry.field
    def grantee(self, info: Info) -> refs.Person:
        return now_or_later(info.context.loaders.person, self.row.grantee_id, refs.person)

    @strawberry.field(description="ACTIVE, SUSPENDED while R2 or R3 fails (it resumes by itself), or REVOKED.")
    async def status(self, info: Info) -> GrantStatusEnum:
        return (await self._view(info)).state.status

    @strawberry.field(description="Why it is suspended, naming the rule, in the caller's language.")
    async def suspended_because(self, info: Info) -> str | None:
        because = (await self._view(info)).state.because
        if because is None:
            return None
        return f"{because.rule}: {gettext(info.context.locale, because.reason)}"

    @strawberry.field
    def monthly_cap_fen(self) -> Fen | None:
        return self.row.monthly_cap_fen

    @strawberry.field
    def allow_medical(self) -> bool:
        return self.row.allow_medical

    @strawberry.field
    def allow_premium(self) -> bool:
        return self.row.allow_premium

    @strawberry.field
    def created_at(self) -> datetime.datetime:
        return self.row.created_at

    @strawberry.field
    def revoked_at(self) -> datetime.datetime | None:
        return self.row.revoked_at

    @strawberry.field
    async def spent_this_month_fen(self, info: Info) -> Fen:
        return (await self._view(info)).spent_this_month_fen

    @strawberry.field(description="Grantor: what this grant can pay right now (the cap and the balance allowing).")
    async def available_fen(self, info: Info) -> Fen | None:
        return (await self._view(info)).available_fen

    @strawberry.field(description="What the monthly cap still allows this month; null when there is no cap.")
    async def cap_left_fen(self, info: Info) -> Fen | None:
        return (await self._view(info)).cap_left_fen

    @strawberry.field(description="Whether the grant can pay anything now: all a grantee learns of the balance.")
    async def can_pay_now(self, info: Info) -> bool:
        return (await self._view(info)).can_pay_now

    @strawberry.field(description="What this grant paid in a year, as totals (for the grantor's own records); "
                                  "OperationError for a bad year.")
    async def paid_in(self, info: Info, year: int) -> GrantPaidInResult | None:
        ctx = info.context
        try:
            valid_year(year, ctx.rt.clock.now())
        except DomainError as error:
            return OperationError.of(error, ctx.locale)
        paid = await ctx.loaders.grant_paid_in.load((self.row.id, year))
        return GrantYearPaid(year=year, medical_fen=paid.medical_fen, premium_fen=paid.premium_fen)

    @strawberry.field(description="The grantor's feed of what the grantee spent from this grant.")
    async def usage(self, info: Info, first: int = 20, after: str | None = None) -> Connection[GrantUse]:
        uses = await info.context.loaders.grant_usage.load(self.row.id)
        return paginate(info.context, uses, first, after, lambda u: GrantUse(
            at=u.at, amount_fen=u.amount_fen, kind=u.kind, institution_name=u.institution_name,
            refunded_fen=u.refunded_fen), key=lambda u: newest_first(u.at, u.source_id))


@strawberry.type(description="One pool in a payer order: the own account, or a grant.")
class PayerPool:
    key: str = strawberry.field(description='"own", or the Grant\'s id: what setPayerOrder and issueCode take.')
    grant: Grant | None


@strawberry.type(description="Who pays the personal burden, in order (R8); cash comes last.")
class PayerOrder:
    pools: list[PayerPool]
    cash_only: bool


@strawberry.type
class PremiumPaid:
    year: int
    amount_fen: Fen
    paid_at: datetime.datetime
    grantee: refs.Person


async def payer_order_of(info: Info, person_id: uuid.UUID) -> PayerOrder:
    loaders = info.context.loaders
    received = await loaders.grants_received.load(person_id)
    unrevoked = [g for g in received if g.status == GrantStatus.ACTIVE]
    choice = grants.choice_of(await loaders.saved_order.load(person_id),
                              await loaders.account.load(person_id) is not None, unrevoked)
    by_id = {g.id: g for g in unrevoked}
    rows = iter([by_id[grant_of(k)] for k in choice.order if grant_of(k)])
    pools = [PayerPool(key=public_pool(k), grant=Grant(row=next(rows)) if grant_of(k) else None)
             for k in choice.order]
    return PayerOrder(pools=pools, cash_only=choice.cash_only)


@strawberry.type
class PersonMutualAidFields:
    """Person.grantsGiven, Person.grantsReceived and Person.payerOrder."""

    row: strawberry.Private[models.Person]

    @strawberry.field(description="Family mutual aid this person gives (as grantor).")
    async def grants_given(self, info: Info, first: int = 20, after: str | None = None) -> Connection[Grant] | None:
        rows = await info.context.loaders.grants_given.load(self.row.id)
        return paginate(info.context, rows, first, after, lambda g: Grant(row=g),
                        key=lambda g: oldest_first(g.created_at, g.id))

    @strawberry.field(description="Family mutual aid this person receives (as grantee).")
    async def grants_received(self, info: Info, first: int = 20,
                              after: str | None = None) -> Connection[Grant] | None:
        rows = await info.context.loaders.grants_received.load(self.row.id)
        return paginate(info.context, rows, first, after, lambda g: Grant(row=g),
                        key=lambda g: oldest_first(g.created_at, g.id))

    @strawberry.field(description="Who pays this person's personal burden, in order (R8).")
    async def payer_order(self, info: Info) -> PayerOrder | None:
        return await payer_order_of(info, self.row.id)


@strawberry.type
class GrantPayload(Wrapper):
    grant: Grant


@strawberry.type
class PayerOrderPayload(Wrapper):
    payer_order: PayerOrder


@strawberry.type
class PremiumPayload(Wrapper):
    premium: PremiumPaid


GrantResult = Annotated[Union[GrantPayload, OperationError], strawberry.union("GrantResult")]
PayerOrderResult = Annotated[Union[PayerOrderPayload, OperationError], strawberry.union("PayerOrderResult")]
PremiumResult = Annotated[Union[PremiumPayload, OperationError], strawberry.union("PremiumResult")]
