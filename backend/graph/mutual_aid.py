"""The money half of the graph (家庭共济): grants, payer order, settlements, refunds, premiums, ledger."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Union

import strawberry
from strawberry.types import Info

from backend.domain.codes import code_digest, mask_name
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.grants import OWN, GrantStatus
from backend.domain.settlement import BillLine, Category, VisitType
from backend.graph.errors import OperationError
from backend.graph.pagination import PageInfo, build_connection, requested_window
from backend.graph.scalars import Fen
from backend.graph.types import Institution, Node, Person, from_global_id
from backend.i18n import gettext
from backend.services import grants, premiums, reads, settlement
from backend.storage import models

CategoryEnum = strawberry.enum(Category, name="ItemCategory", description="甲类 A, 乙类 B, 丙类 C, or non-medical.")
VisitTypeEnum = strawberry.enum(VisitType, name="VisitType")
GrantStatusEnum = strawberry.enum(GrantStatus, name="GrantStatus")


def _key(value: strawberry.ID, type_name: str, field: str) -> uuid.UUID:
    decoded = from_global_id(value, type_name)
    if decoded is None:
        raise DomainError(ErrorCode.NOT_FOUND, field=field)
    return decoded[1]


def _pool_key(value: str) -> str:
    """Pools travel as "own" or a Grant's global id; inside they are "own" / "grant:<uuid>"."""
    return OWN if value == OWN else f"grant:{_key(value, 'Grant', 'pools')}"


@strawberry.type(description="One payment a grant made: amount, date and where; never the medical lines.")
class GrantUse:
    at: datetime.datetime
    amount_fen: Fen
    kind: str = strawberry.field(description="medical or premium")
    institution_name: str | None
    refunded_fen: Fen


@strawberry.type(description="Family mutual aid (家庭共济): the grantor's personal account pays for the grantee.")
class Grant(Node):
    row: strawberry.Private[models.Grant]

    def key(self) -> uuid.UUID:
        return self.row.id

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.grantor_id, self.row.grantee_id)

    async def _view(self, info: Info) -> grants.GrantView:
        return await info.context.loaders.grant_view.load(self.row.id)

    @strawberry.field
    async def grantor(self, info: Info) -> Person:
        return Person(row=await info.context.loaders.person.load(self.row.grantor_id))

    @strawberry.field
    async def grantee(self, info: Info) -> Person:
        return Person(row=await info.context.loaders.person.load(self.row.grantee_id))

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

    @strawberry.field(description="The grantor's feed of what the grantee spent from this grant.")
    async def usage(self, info: Info, first: int = 20, after: str | None = None) -> GrantUseConnection:
        uses = await info.context.loaders.grant_usage.load(self.row.id)
        offset, limit = requested_window(info.context, first, after)
        nodes = [GrantUse(at=u.at, amount_fen=u.amount_fen, kind=u.kind, institution_name=u.institution_name,
                          refunded_fen=u.refunded_fen) for u in uses[offset:offset + limit]]
        return build_connection(GrantUseConnection, GrantUseEdge, nodes, offset, len(uses))


@strawberry.type
class GrantUseEdge:
    cursor: str
    node: GrantUse


@strawberry.type
class GrantUseConnection:
    edges: list[GrantUseEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class GrantEdge:
    cursor: str
    node: Grant


@strawberry.type
class GrantConnection:
    edges: list[GrantEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="One pool in a payer order: the own account, or a grant.")
class PayerPool:
    key: str = strawberry.field(description='"own", or the Grant\'s id: what setPayerOrder and issueCode take.')
    grant: Grant | None


@strawberry.type(description="Who pays the personal burden, in order (R8); cash comes last.")
class PayerOrder:
    pools: list[PayerPool]
    cash_only: bool


@strawberry.type
class SettlementPaymentPart:
    pool: str = strawberry.field(description='"own" or the Grant\'s id')
    amount_fen: Fen


@strawberry.type(description="How an amount splits under R7: what the fund paid, and the personal burden's parts.")
class Split:
    """Shared by a settlement and each of its lines: both rows carry the same columns."""

    row: strawberry.Private[models.Settlement | models.SettlementLine]

    @strawberry.field(description="Paid by the pooled fund (统筹).")
    def fund_fen(self) -> Fen:
        return self.row.fund_fen

    @strawberry.field(description="Annual deductible (起付线) applied: personal burden.")
    def deductible_fen(self) -> Fen:
        return self.row.deductible_fen

    @strawberry.field(description="Co-pay (自付) after the fund's ratio: personal burden.")
    def copay_fen(self) -> Fen:
        return self.row.copay_fen

    @strawberry.field(description="List B self-pay-first share (乙类先行自付): personal burden.")
    def b_self_first_fen(self) -> Fen:
        return self.row.b_self_first_fen

    @strawberry.field(description="List C, out-of-list (丙类自费): personal burden.")
    def self_pay_fen(self) -> Fen:
        return self.row.self_pay_fen

    @strawberry.field(description="Non-medical goods: always cash.")
    def non_medical_fen(self) -> Fen:
        return self.row.non_medical_fen

    @strawberry.field(description="Paid in cash at the counter.")
    def cash_fen(self) -> Fen:
        return self.row.cash_fen


@strawberry.type(description="One bill line and how it was paid (R7 per-line breakdown).")
class SettlementLine(Split):
    row: strawberry.Private[models.SettlementLine]

    @strawberry.field
    def line_no(self) -> int:
        return self.row.line_no

    @strawberry.field
    def item_code(self) -> str:
        return self.row.item_code

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def category(self) -> CategoryEnum:
        return Category(self.row.category)

    @strawberry.field
    def unit_price_fen(self) -> Fen:
        return self.row.unit_price_fen

    @strawberry.field
    def quantity(self) -> int:
        return self.row.quantity

    @strawberry.field
    def amount_fen(self) -> Fen:
        return self.row.amount_fen

    @strawberry.field
    async def payments(self, info: Info) -> list[SettlementPaymentPart]:
        rows = await info.context.loaders.line_payments.load(self.row.id)
        return [SettlementPaymentPart(pool=_public_pool(p.pool), amount_fen=p.amount_fen) for p in rows]

    @strawberry.field
    def refunded(self) -> bool:
        return self.row.refund_id is not None


def _public_pool(key: str) -> str:
    from backend.graph.types import to_global_id

    return OWN if key == OWN else to_global_id("Grant", uuid.UUID(key.split(":", 1)[1]))


@strawberry.type(description="A grantor's share of one settlement.")
class MutualAidPaid:
    grant_id: strawberry.ID
    grantor_masked_name: str
    amount_fen: Fen


@strawberry.type(description="A settled bill: what the fund, each account and cash paid (R7, R8).")
class Settlement(Split, Node):
    row: strawberry.Private[models.Settlement]

    def key(self) -> uuid.UUID:
        return self.row.id

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.subject_id,)

    @property
    def institution_id(self) -> uuid.UUID:
        return self.row.institution_id

    async def _lines(self, info: Info) -> list[models.SettlementLine]:
        return await info.context.loaders.settlement_lines.load(self.row.id)

    async def _payments(self, info: Info) -> list[models.SettlementPayment]:
        lines = await self._lines(info)
        per_line = await info.context.loaders.line_payments.load_many([ln.id for ln in lines])
        return [p for payments in per_line for p in payments]

    @strawberry.field
    async def institution(self, info: Info) -> Institution:
        return Institution(row=await info.context.loaders.institution.load(self.row.institution_id))

    @strawberry.field(description="The insured person (household members and staff; partners get null).")
    async def subject(self, info: Info) -> Person | None:
        return Person(row=await info.context.loaders.person.load(self.row.subject_id))

    @strawberry.field(description="张*伟: how partners see the person.")
    async def subject_masked_name(self, info: Info) -> str:
        return mask_name((await info.context.loaders.person.load(self.row.subject_id)).name)

    @strawberry.field(description="Whose phone showed the code (the subject, or a family-account holder).")
    async def presenter(self, info: Info) -> Person | None:
        return Person(row=await info.context.loaders.person.load(self.row.presenter_id))

    @strawberry.field(description="Whose phone showed the code, masked as partners see names.")
    async def presenter_masked_name(self, info: Info) -> str:
        return mask_name((await info.context.loaders.person.load(self.row.presenter_id)).name)

    @strawberry.field
    def presented_by_subject(self) -> bool:
        return self.row.presenter_id == self.row.subject_id

    @strawberry.field
    def visit_type(self) -> VisitTypeEnum:
        return VisitType(self.row.visit_type)

    @strawberry.field
    def service_date(self) -> datetime.date:
        return self.row.service_date

    @strawberry.field
    def parameters_label(self) -> str:
        return self.row.parameters_label

    @strawberry.field
    def bill_fen(self) -> Fen:
        return self.row.bill_fen

    @strawberry.field
    def personal_burden_fen(self) -> Fen:
        r = self.row
        return r.deductible_fen + r.copay_fen + r.b_self_first_fen + r.self_pay_fen

    @strawberry.field(description="Paid from the subject's own personal account.")
    async def own_account_fen(self, info: Info) -> Fen:
        return sum(p.amount_fen for p in await self._payments(info) if p.pool == OWN)

    @strawberry.field(description="Paid by family mutual aid, per grant.")
    async def mutual_aid(self, info: Info) -> list[MutualAidPaid]:
        totals: dict[str, tuple[uuid.UUID, int]] = {}
        for p in await self._payments(info):
            if p.pool != OWN:
                payer, amount = totals.get(p.pool, (p.payer_id, 0))
                totals[p.pool] = (payer, amount + p.amount_fen)
        people = await info.context.loaders.person.load_many([payer for payer, _ in totals.values()])
        return [MutualAidPaid(grant_id=_public_pool(pool), grantor_masked_name=mask_name(person.name),
                              amount_fen=amount)
                for (pool, (_, amount)), person in zip(totals.items(), people, strict=True)]

    @strawberry.field(description='The payer order used: "own" and Grant ids, as chosen.')
    def payer_order(self) -> list[str]:
        choice = grants.choice_from_json(self.row.payer_order)
        return [] if choice.cash_only else [_public_pool(k) for k in choice.order]

    @strawberry.field
    def cash_only(self) -> bool:
        return grants.choice_from_json(self.row.payer_order).cash_only

    @strawberry.field(description="settled, partly_refunded or refunded")
    def status(self) -> str:
        return self.row.status

    @strawberry.field
    def created_at(self) -> datetime.datetime:
        return self.row.created_at

    @strawberry.field
    async def lines(self, info: Info) -> list[SettlementLine]:
        return [SettlementLine(row=ln) for ln in await self._lines(info)]


@strawberry.type
class SettlementEdge:
    cursor: str
    node: Settlement


@strawberry.type
class SettlementConnection:
    edges: list[SettlementEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="A movement on a personal account: positive in, negative out.")
class LedgerEntry:
    at: datetime.datetime
    amount_fen: Fen
    kind: str = strawberry.field(description="opening, settlement, refund, reversal or premium")


@strawberry.type
class LedgerEntryEdge:
    cursor: str
    node: LedgerEntry


@strawberry.type
class LedgerEntryConnection:
    edges: list[LedgerEntryEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="A code I showed: still live, or used, and the settlement made with it.")
class ShownCode:
    status: str = strawberry.field(description="live, used, revoked (its binding ended) or expired")
    settlement: Settlement | None


@strawberry.type
class PremiumPaid:
    year: int
    amount_fen: Fen
    paid_at: datetime.datetime
    grantee: Person


# Fields added to Person (the gate rules them as Person.*).
async def person_grants_given(person: Person, info: Info, first: int, after: str | None) -> GrantConnection:
    rows = await info.context.loaders.grants_given.load(person.row.id)
    offset, limit = requested_window(info.context, first, after)
    return build_connection(GrantConnection, GrantEdge, [Grant(row=g) for g in rows[offset:offset + limit]],
                            offset, len(rows))


async def person_grants_received(person: Person, info: Info, first: int, after: str | None) -> GrantConnection:
    rows = await info.context.loaders.grants_received.load(person.row.id)
    offset, limit = requested_window(info.context, first, after)
    return build_connection(GrantConnection, GrantEdge, [Grant(row=g) for g in rows[offset:offset + limit]],
                            offset, len(rows))


async def person_payer_order(person: Person, info: Info) -> PayerOrder:
    def load():
        with info.context.rt.db.read() as s:
            choice = grants.saved_choice(s, person.row.id)
            return choice, {k: s.get(models.Grant, uuid.UUID(k.split(":", 1)[1])) for k in choice.order if k != OWN}

    choice, grant_rows = await info.context.run(load)
    pools = [PayerPool(key=_public_pool(k), grant=Grant(row=grant_rows[k]) if k != OWN else None)
             for k in choice.order]
    return PayerOrder(pools=pools, cash_only=choice.cash_only)


async def person_settlements(person: Person, info: Info, first: int, after: str | None) -> SettlementConnection:
    rows = await info.context.loaders.settlements_of_subject.load(person.row.id)
    offset, limit = requested_window(info.context, first, after)
    return build_connection(SettlementConnection, SettlementEdge,
                            [Settlement(row=r) for r in rows[offset:offset + limit]], offset, len(rows))


async def person_ledger(person: Person, info: Info, first: int, after: str | None) -> LedgerEntryConnection:
    rows = await info.context.loaders.ledger.load(person.row.id)
    offset, limit = requested_window(info.context, first, after)
    nodes = [LedgerEntry(at=at, amount_fen=amount, kind=kind) for amount, kind, at, _ref, _id in
             rows[offset:offset + limit]]
    return build_connection(LedgerEntryConnection, LedgerEntryEdge, nodes, offset, len(rows))


async def institution_settlements(inst: Institution, info: Info, first: int,
                                  after: str | None) -> SettlementConnection:
    offset, limit = requested_window(info.context, first, after)

    def load():
        with info.context.rt.db.read() as s:
            return reads.settlements_of_institution(s, inst.row.id, offset, limit)

    rows, total = await info.context.run(load)
    return build_connection(SettlementConnection, SettlementEdge, [Settlement(row=r) for r in rows], offset, total)


@strawberry.input
class BillLineInput:
    item_code: str
    name: str
    category: CategoryEnum
    unit_price_fen: Fen
    quantity: int = 1


@strawberry.input
class SettleInput:
    code: str = strawberry.field(description="The scanned code.")
    visit_type: VisitTypeEnum
    service_date: datetime.date
    lines: list[BillLineInput]
    idempotency_key: str = strawberry.field(description="8-80 characters, unique per request; retry with the same key.")
    allow_cash: bool = strawberry.field(default=True, description="False: refuse unless accounts cover everything.")


@strawberry.input
class RefundInput:
    settlement_id: strawberry.ID
    line_numbers: list[int] | None = strawberry.field(default=None, description="Omit to refund every line left.")
    idempotency_key: str
    reason: str | None = None


@strawberry.input
class ReverseInput:
    settlement_id: strawberry.ID
    line_numbers: list[int] | None = None
    reason: str


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


@strawberry.type
class SettlementPayload:
    settlement: Settlement


@strawberry.type
class GrantPayload:
    grant: Grant


@strawberry.type
class PayerOrderPayload:
    payer_order: PayerOrder


@strawberry.type
class PremiumPayload:
    premium: PremiumPaid


SettlementResult = Annotated[Union[SettlementPayload, OperationError], strawberry.union("SettlementResult")]
GrantResult = Annotated[Union[GrantPayload, OperationError], strawberry.union("GrantResult")]
PayerOrderResult = Annotated[Union[PayerOrderPayload, OperationError], strawberry.union("PayerOrderResult")]
PremiumResult = Annotated[Union[PremiumPayload, OperationError], strawberry.union("PremiumResult")]


async def _attempt(info: Info, work, wrap):
    ctx = info.context
    try:
        result = await ctx.run(work, ctx.rt, ctx.actor)
    except DomainError as error:
        return OperationError.of(error, ctx.locale)
    await ctx.refresh_scope()
    return await wrap(result) if callable(wrap) else wrap


async def _settlement_payload(info: Info, settlement_id: uuid.UUID) -> SettlementPayload:
    return SettlementPayload(settlement=Settlement(row=await info.context.loaders.settlement.load(settlement_id)))


@strawberry.type
class MutualAidQuery:
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
        return ShownCode(status=status, settlement=Settlement(row=made) if made else None)


@strawberry.type
class MutualAidMutation:
    @strawberry.mutation(description="Partners: settle a bill for a scanned code (one transaction, idempotent).")
    async def settle(self, info: Info, input: SettleInput) -> SettlementResult:
        def work(rt, actor):
            lines = [BillLine(ln.item_code.strip(), ln.name.strip(), Category(ln.category), ln.unit_price_fen,
                              ln.quantity) for ln in input.lines]
            request = settlement.SettleRequest(code=input.code, visit_type=VisitType(input.visit_type),
                                               service_date=input.service_date, lines=lines,
                                               idempotency_key=input.idempotency_key, allow_cash=input.allow_cash)
            return settlement.settle(rt, actor, request)

        return await _attempt(info, work, lambda sid: _settlement_payload(info, sid))

    @strawberry.mutation(description="Partners: refund a settlement you made, whole or by line, within the window.")
    async def refund_settlement(self, info: Info, input: RefundInput) -> SettlementResult:
        def work(rt, actor):
            sid = _key(input.settlement_id, "Settlement", "settlementId")
            lines = tuple(input.line_numbers) if input.line_numbers is not None else None
            settlement.refund(rt, actor, settlement.RefundRequest(sid, lines, input.idempotency_key, input.reason))
            return sid

        return await _attempt(info, work, lambda sid: _settlement_payload(info, sid))

    @strawberry.mutation(description="Staff (clerk, admin): reverse a settlement or lines of it, with a reason.")
    async def reverse_settlement(self, info: Info, input: ReverseInput) -> SettlementResult:
        def work(rt, actor):
            sid = _key(input.settlement_id, "Settlement", "settlementId")
            lines = tuple(input.line_numbers) if input.line_numbers is not None else None
            settlement.reverse(rt, actor, settlement.RefundRequest(sid, lines, reason=input.reason))
            return sid

        return await _attempt(info, work, lambda sid: _settlement_payload(info, sid))

    @strawberry.mutation(description="Let a verified near relative spend your personal account (R2, R3).")
    async def create_grant(self, info: Info, input: CreateGrantInput) -> GrantResult:
        def work(rt, actor):
            return grants.create_grant(rt, actor, _key(input.grantee_id, "Person", "granteeId"),
                                       monthly_cap_fen=input.monthly_cap_fen, allow_medical=input.allow_medical,
                                       allow_premium=input.allow_premium)

        return await _attempt(info, work, _grant_payload)

    @strawberry.mutation(description="Stop a grant at once; what it paid stays paid.")
    async def revoke_grant(self, info: Info, input: GrantInput) -> GrantResult:
        def work(rt, actor):
            return grants.revoke_grant(rt, actor, _key(input.grant_id, "Grant", "grantId"))

        return await _attempt(info, work, _grant_payload)

    @strawberry.mutation(description="A grant's monthly cap (null: none) and what it may pay for.")
    async def set_grant_cap(self, info: Info, input: GrantLimitsInput) -> GrantResult:
        def work(rt, actor):
            return grants.set_grant_limits(rt, actor, _key(input.grant_id, "Grant", "grantId"),
                                           monthly_cap_fen=input.monthly_cap_fen, allow_medical=input.allow_medical,
                                           allow_premium=input.allow_premium)

        return await _attempt(info, work, _grant_payload)

    @strawberry.mutation(description="Your standing payer order (R8).")
    async def set_payer_order(self, info: Info, input: PayerOrderInput) -> PayerOrderResult:
        def work(rt, actor):
            grants.set_payer_order(rt, actor, [_pool_key(p) for p in input.pools], input.cash_only)

        async def wrap(_):
            me = Person(row=await info.context.loaders.person.load(info.context.principal.id))
            return PayerOrderPayload(payer_order=await person_payer_order(me, info))

        return await _attempt(info, work, wrap)

    @strawberry.mutation(description="Pay a grantee's resident premium for a year from your personal account (R12).")
    async def pay_premium(self, info: Info, input: PayPremiumInput) -> PremiumResult:
        def work(rt, actor):
            return premiums.pay_premium(rt, actor, _key(input.grantee_id, "Person", "granteeId"), input.year)

        async def wrap(paid):
            grantee = Person(row=await info.context.loaders.person.load(paid.person_id))
            return PremiumPayload(premium=PremiumPaid(year=paid.year, amount_fen=paid.amount_fen,
                                                      paid_at=paid.created_at, grantee=grantee))

        return await _attempt(info, work, wrap)


async def _grant_payload(row) -> GrantPayload:
    return GrantPayload(grant=Grant(row=row))
