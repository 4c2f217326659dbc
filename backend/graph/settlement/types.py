"""Settlements, their lines and payments, and movements on a personal account."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
import datetime
import uuid
from typing import Annotated, Any, Union

import strawberry
from strawberry.types import Info

from backend.domain.codes import mask_name
from backend.domain.pools import OWN_ACCOUNT
from backend.domain.settlement import Category, VisitType, personal_burden_fen
from backend.graph.core import refs
from backend.graph.core.enums import VisitTypeEnum
from backend.graph.core.errors import OperationError
from backend.graph.core.ids import key_of, to_global_id
from backend.graph.core.node import Node, register
from backend.graph.core.pagination import Connection, keyset_connection, keyset_window, newest_first, paginate, sql_key
from backend.graph.core.pools import public_pool
from backend.graph.core.scalars import Fen
from backend.graph.core.wrappers import Wrapper
from backend.graph.settlement import reads
from backend.services.money import grants
from backend.storage import models

CategoryEnum = strawberry.enum(Category, name="ItemCategory",
                               description="The catalogue's 甲类 A, 乙类 B, 丙类 C, or NON_MEDICAL: outside the catalogue "
                                           "(no approved mapping), paid in cash only.")


@strawberry.type(description="How an amount splits under R7: what the fund paid, and the personal burden's parts.")
class SplitColumns:
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

    @strawberry.field(description="Outside the catalogue (no approved mapping; non-medical goods among them): "
                                  "always cash.")
    def non_medical_fen(self) -> Fen:
        return self.row.non_medical_fen

    @strawberry.field(description="Over-limit self-pay (超限价自付, overlmt_selfpay): the part of unit prices above the "
                                  "catalogue's price cap. Personal burden, which accounts may pay; never the fund.")
    def overlmt_selfpay_fen(self) -> Fen:
        return self.row.overlmt_selfpay_fen

    @strawberry.field(description="Paid in cash at the counter.")
    def cash_fen(self) -> Fen:
        return self.row.cash_fen


@strawberry.type
class SettlementPaymentPart:
    pool: str = strawberry.field(description='"own" or the Grant\'s id')
    amount_fen: Fen


@strawberry.type(description="One bill line and how it was paid (R7 per-line breakdown).")
class SettlementLine(SplitColumns):
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

    @strawberry.field(description="The class the line was settled as: the catalogue entry's, or NON_MEDICAL.")
    def category(self) -> CategoryEnum:
        return Category(self.row.category)

    @strawberry.field(description="False: the item code had no approved mapping to a catalogue entry in force on the "
                                  "service date, so the line was paid in cash only (R18).")
    def in_catalogue(self) -> bool:
        return self.row.national_code is not None or self.row.category != Category.NON_MEDICAL.value

    @strawberry.field(description="The catalogue's national code (med_list_codg) the line was settled under.")
    def national_code(self) -> str | None:
        return self.row.national_code

    @strawberry.field(description="The catalogue's price cap per unit (限价) in force; null: no cap.")
    def price_cap_fen(self) -> Fen | None:
        return self.row.price_cap_fen

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
        return [SettlementPaymentPart(pool=public_pool(p.pool), amount_fen=p.amount_fen) for p in rows]

    @strawberry.field
    def refunded(self) -> bool:
        return self.row.refund_id is not None


@strawberry.type(description="A grantor's share of one settlement.")
class MutualAidPaid:
    grant_id: strawberry.ID
    grantor_masked_name: str
    amount_fen: Fen


@strawberry.type(description="What a settlement's refunds and reversals gave back so far, to whom: the fund, the "
                                    "subject's own account, family mutual aid and cash (all zero until a refund).")
class SettlementRefunded:
    total_fen: Fen = strawberry.field(description="The refunded lines' amounts together.")
    fund_fen: Fen = strawberry.field(description="Back to the pooled fund.")
    own_account_fen: Fen = strawberry.field(description="Back to the subject's own personal account.")
    mutual_aid_fen: Fen = strawberry.field(description="Back to grantors' accounts (family mutual aid).")
    cash_fen: Fen = strawberry.field(description="Cash handed back to the patient.")


@strawberry.type(description="One refund (by the institution that settled) or reversal (by staff) of some of a "
                             "settlement's lines (R13): when, which lines, and what each pool got back.")
class SettlementRefund:
    row: strawberry.Private[models.Refund]
    line_numbers: list[int] = strawberry.field(description="The lines it refunded, numbered from 1.")

    @strawberry.field(description="Its id (refund:<uuid> in FHIR's ClaimResponse extension).")
    def id(self) -> strawberry.ID:
        return to_global_id("Refund", self.row.id)

    @strawberry.field(description="refund (the institution) or reversal (staff)")
    def kind(self) -> str:
        return self.row.kind

    @strawberry.field
    def reason(self) -> str | None:
        return self.row.reason

    @strawberry.field(description="When it was made; the China-time day of this instant is the day it belongs to.")
    def created_at(self) -> datetime.datetime:
        return self.row.created_at

    @strawberry.field(description="The refunded lines' amounts together.")
    def amount_fen(self) -> Fen:
        return self.row.amount_fen

    @strawberry.field(description="Back to the pooled fund.")
    def fund_fen(self) -> Fen:
        return self.row.fund_fen

    @strawberry.field(description="Back to the subject's own personal account.")
    def own_account_fen(self) -> Fen:
        return self.row.own_account_fen

    @strawberry.field(description="Back to grantors' accounts (family mutual aid).")
    def mutual_aid_fen(self) -> Fen:
        return self.row.mutual_aid_fen

    @strawberry.field(description="Cash handed back to the patient.")
    def cash_fen(self) -> Fen:
        return self.row.cash_fen

    @strawberry.field(description="What the insurer no longer owes the institution: fund and personal accounts.")
    def insurer_fen(self) -> Fen:
        return self.row.fund_fen + self.row.own_account_fen + self.row.mutual_aid_fen

    @strawberry.field(description="The year's deductible used that it gave back.")
    def deductible_fen(self) -> Fen:
        return self.row.deductible_fen


@register("settlement")
@strawberry.type(description="A settled bill: what the fund, each account and cash paid (R7, R8).")
class Settlement(SplitColumns, Node):
    row: strawberry.Private[models.Settlement]

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
    async def institution(self, info: Info) -> refs.Institution:
        return refs.institution(await info.context.loaders.institution.load(self.row.institution_id))

    @strawberry.field(description="The insured person (household members and staff; partners get null).")
    async def subject(self, info: Info) -> refs.Person | None:
        return refs.person(await info.context.loaders.person.load(self.row.subject_id))

    @strawberry.field(description="张*伟: how partners see the person.")
    async def subject_masked_name(self, info: Info) -> str:
        return mask_name((await info.context.loaders.person.load(self.row.subject_id)).name)

    @strawberry.field(description="Whose phone showed the code (the subject, or a family-account holder).")
    async def presenter(self, info: Info) -> refs.Person | None:
        return refs.person(await info.context.loaders.person.load(self.row.presenter_id))

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

    @strawberry.field(description="The ParameterVersion it was settled under (refunds and reversals keep it); "
                                  "null only for settlements older than versions in the database.")
    def parameters_id(self) -> strawberry.ID | None:
        set_id = self.row.parameter_set_id
        return to_global_id("ParameterVersion", set_id) if set_id else None

    @strawberry.field
    def bill_fen(self) -> Fen:
        return self.row.bill_fen

    @strawberry.field
    def personal_burden_fen(self) -> Fen:
        return personal_burden_fen(self.row)

    @strawberry.field(description="Paid from the subject's own personal account.")
    async def own_account_fen(self, info: Info) -> Fen:
        return sum(p.amount_fen for p in await self._payments(info) if p.pool == OWN_ACCOUNT)

    @strawberry.field(description="Paid by family mutual aid, per grant.")
    async def mutual_aid(self, info: Info) -> list[MutualAidPaid]:
        totals: dict[str, tuple[uuid.UUID, int]] = {}
        for p in await self._payments(info):
            if p.pool != OWN_ACCOUNT:
                payer, amount = totals.get(p.pool, (p.payer_id, 0))
                totals[p.pool] = (payer, amount + p.amount_fen)
        people = await info.context.loaders.person.load_many([payer for payer, _ in totals.values()])
        return [MutualAidPaid(grant_id=public_pool(pool), grantor_masked_name=mask_name(person.name),
                              amount_fen=amount)
                for (pool, (_, amount)), person in zip(totals.items(), people, strict=True)]

    @strawberry.field(description="Deducted by auditors at monthly clearing (审核扣款): not paid to the institution, "
                                  "returned to the fund and the personal accounts that paid; 0 when none.")
    async def clearing_deducted_fen(self, info: Info) -> Fen:
        return await info.context.loaders.settlement_deductions.load(self.row.id)

    @strawberry.field(description='The payer order used: "own" and Grant ids, as chosen.')
    def payer_order(self) -> list[str]:
        choice = grants.choice_from_json(self.row.payer_order)
        return [] if choice.cash_only else [public_pool(k) for k in choice.order]

    @strawberry.field
    def cash_only(self) -> bool:
        return grants.choice_from_json(self.row.payer_order).cash_only

    @strawberry.field(description="The partner's own receipt number, as sent to settle (null if none was).")
    def receipt_number(self) -> str | None:
        return self.row.receipt_number

    @strawberry.field(description="settled, partly_refunded or refunded")
    def status(self) -> str:
        return self.row.status

    @strawberry.field
    def created_at(self) -> datetime.datetime:
        return self.row.created_at

    @strawberry.field
    async def lines(self, info: Info) -> list[SettlementLine]:
        return [SettlementLine(row=ln) for ln in await self._lines(info)]

    @strawberry.field(description="Each refund and reversal, oldest first: when, which lines, what each pool got back.")
    async def refunds(self, info: Info) -> list[SettlementRefund]:
        rows = await info.context.loaders.refunds_of.load(self.row.id)
        if not rows:
            return []
        lines: dict[uuid.UUID, list[int]] = {}
        for ln in await self._lines(info):
            if ln.refund_id is not None:
                lines.setdefault(ln.refund_id, []).append(ln.line_no)
        return [SettlementRefund(row=r, line_numbers=lines.get(r.id, [])) for r in rows]

    @strawberry.field(description="What the insurer pays the institution for it (R16): the fund and every personal "
                                  "account (own and mutual aid), less what refunds and reversals gave back to them. "
                                  "Cash is never the insurer's.")
    async def insurer_fen(self, info: Info) -> Fen:
        paid = self.row.fund_fen + sum(p.amount_fen for p in await self._payments(info))
        refunds = await info.context.loaders.refunds_of.load(self.row.id)
        return paid - sum(r.fund_fen + r.own_account_fen + r.mutual_aid_fen for r in refunds)

    @strawberry.field(description="What came back through refunds and reversals (R13), by where it went.")
    async def refunded(self, info: Info) -> SettlementRefunded:
        back = [ln for ln in await self._lines(info) if ln.refund_id is not None]
        per_line = await info.context.loaders.line_payments.load_many([ln.id for ln in back])
        payments = [p for parts in per_line for p in parts]
        own = sum(p.amount_fen for p in payments if p.pool == OWN_ACCOUNT)
        return SettlementRefunded(total_fen=sum(ln.amount_fen for ln in back), fund_fen=sum(ln.fund_fen for ln in back),
                                  own_account_fen=own, mutual_aid_fen=sum(p.amount_fen for p in payments) - own,
                                  cash_fen=sum(ln.cash_fen for ln in back))


@strawberry.type(description="A movement on a personal account: positive in, negative out.")
class LedgerEntry:
    at: datetime.datetime
    amount_fen: Fen
    kind: str = strawberry.field(description="opening, settlement, refund, reversal or premium")


@strawberry.type
class PersonSettlementFields:
    """Person.settlements and Person.ledger."""

    row: strawberry.Private[models.Person]

    @strawberry.field(description="Bills settled for this person, newest first.")
    async def settlements(self, info: Info, first: int = 20,
                          after: str | None = None) -> Connection[Settlement] | None:
        rows = await info.context.loaders.settlements_of_subject.load(self.row.id)
        return paginate(info.context, rows, first, after, lambda r: Settlement(row=r),
                        key=lambda r: newest_first(r.created_at, r.id))

    @strawberry.field(description="Movements on this person's personal account, newest first.")
    async def ledger(self, info: Info, first: int = 20, after: str | None = None) -> Connection[LedgerEntry] | None:
        rows = await info.context.loaders.ledger.load(self.row.id)
        return paginate(info.context, rows, first, after, lambda r: LedgerEntry(at=r[2], amount_fen=r[0], kind=r[1]),
                        key=lambda r: newest_first(r[2], r[4]))


@strawberry.type
class InstitutionSettlementFields:
    """Institution.settlements."""

    row: strawberry.Private[models.Institution]

    @strawberry.field(description="Settlements this institution made, newest first (keyset cursors: a settlement made "
                                  "while you page is never shown twice). Days are China's calendar days, both ends "
                                  "included: serviceDateFrom/To on the service date, settledFrom/To on the China-time "
                                  "day it was settled (createdAt); receiptNumber finds the one settled under your receipt number.")
    async def settlements(self, info: Info, first: int = 20, after: str | None = None,
                          service_date_from: datetime.date | None = None, service_date_to: datetime.date | None = None,
                          settled_from: datetime.date | None = None, settled_to: datetime.date | None = None,
                          receipt_number: str | None = None) -> Connection[Settlement] | None:
        ctx = info.context
        start, limit = keyset_window(ctx, first, after)
        where = reads.SettlementFilter(service_from=service_date_from, service_to=service_date_to,
                                       settled_from=settled_from, settled_to=settled_to,
                                       receipt_number=receipt_number.strip() if receipt_number is not None else None)
        rows, total, subjects, more = reads.settlements_of_institution(await ctx.reads.session(), self.row.id, start,
                                                                       limit, where)
        for row, subject in zip(rows, subjects, strict=True):  # a settlement the page then shows is already at hand
            ctx.loaders.settlement.prime(row.id, row)
            ctx.loaders.person.prime(subject.id, subject)
        return keyset_connection([Settlement(row=r) for r in rows], [sql_key(r.created_at, r.id) for r in rows],
                                 total=total, has_next=more, has_previous=start is not None)


@strawberry.type(description="One bill line of a quote and how it would be paid.")
class QuoteLine(SplitColumns):
    row: strawberry.Private[Any]  # the domain's LineSplit
    bill_line: strawberry.Private[Any]  # the domain's BillLine
    line_no: int

    @strawberry.field
    def item_code(self) -> str:
        return self.bill_line.item_code

    @strawberry.field
    def name(self) -> str:
        return self.bill_line.name

    @strawberry.field(description="The class the line would be settled as: the catalogue entry's, or NON_MEDICAL.")
    def category(self) -> CategoryEnum:
        return self.row.item_class

    @strawberry.field(description="False: the item code has no approved mapping to a catalogue entry in force on the "
                                  "service date, so the line would be paid in cash only (R18).")
    def in_catalogue(self) -> bool:
        return self.row.item is not None

    @strawberry.field(description="The catalogue's national code (med_list_codg) the line would be settled under.")
    def national_code(self) -> str | None:
        return self.row.item.national_code if self.row.item is not None else None

    @strawberry.field(description="The catalogue's price cap per unit (限价) in force; null: no cap.")
    def price_cap_fen(self) -> Fen | None:
        return self.row.item.price_cap_fen if self.row.item is not None else None

    @strawberry.field
    def unit_price_fen(self) -> Fen:
        return self.bill_line.unit_price_fen

    @strawberry.field
    def quantity(self) -> int:
        return self.bill_line.quantity

    @strawberry.field
    def amount_fen(self) -> Fen:
        return self.row.amount_fen

    @strawberry.field
    def payments(self) -> list[SettlementPaymentPart]:
        return [SettlementPaymentPart(pool=public_pool(k), amount_fen=v) for k, v in self.row.payments.items()]


@strawberry.type(description="预结算: the split `settle` would make for this bill now, computed by the same code. "
                             "Nothing is written and the code is not used up; settle recomputes, so it differs "
                             "only if something it reads changed in between (another payment from the same "
                             "accounts, a refund, a new parameter version).")
class SettlementQuote(SplitColumns):
    row: strawberry.Private[Any]  # the domain's BillSplit
    computed: strawberry.Private[Any]  # services.money.settlement.Computed
    bill_lines: strawberry.Private[Any]  # the bill's lines as the till sent them
    institution_id: strawberry.Private[uuid.UUID]

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.computed.code.subject_id,)

    @strawberry.field
    def bill_fen(self) -> Fen:
        return self.row.bill_fen

    @strawberry.field
    def personal_burden_fen(self) -> Fen:
        return self.row.personal_burden_fen

    @strawberry.field(description="Would be paid from the subject's own personal account.")
    def own_account_fen(self) -> Fen:
        return self.row.payments.get(OWN_ACCOUNT, 0)

    @strawberry.field(description="Would be paid by family mutual aid, per grant, in payer order.")
    async def mutual_aid(self, info: Info) -> list[MutualAidPaid]:
        paid = [(key, amount) for key, amount in self.row.payments.items() if key != OWN_ACCOUNT]
        owners = self.computed.owners
        people = await info.context.loaders.person.load_many([owners[key][0] for key, _ in paid])
        return [MutualAidPaid(grant_id=public_pool(key), grantor_masked_name=mask_name(person.name), amount_fen=amount)
                for (key, amount), person in zip(paid, people, strict=True)]

    @strawberry.field(description='The payer order it follows: "own" and Grant ids.')
    def payer_order(self) -> list[str]:
        choice = self.computed.choice
        return [] if choice.cash_only else [public_pool(k) for k in choice.order]

    @strawberry.field
    def cash_only(self) -> bool:
        return self.computed.choice.cash_only

    @strawberry.field
    def parameters_label(self) -> str:
        return self.computed.version.params.label

    @strawberry.field(description="The ParameterVersion in force on the service date.")
    def parameters_id(self) -> strawberry.ID:
        return to_global_id("ParameterVersion", self.computed.version.id)

    @strawberry.field
    def lines(self) -> list[QuoteLine]:
        return [QuoteLine(row=part, bill_line=line, line_no=number)
                for number, (line, part) in enumerate(zip(self.bill_lines, self.row.lines, strict=True), start=1)]


QuoteResult = Annotated[Union[SettlementQuote, OperationError], strawberry.union("QuoteResult")]


@strawberry.type
class SettlementPayload(Wrapper):
    settlement: Settlement


SettlementResult = Annotated[Union[SettlementPayload, OperationError], strawberry.union("SettlementResult")]


async def settlement_payload(info: Info, settlement_id: uuid.UUID) -> SettlementPayload:
    return SettlementPayload(settlement=Settlement(row=await info.context.loaders.settlement.load(settlement_id)))


def refund_target(settlement_id: strawberry.ID, line_numbers: list[int] | None) -> tuple[uuid.UUID, tuple[int, ...] | None]:
    """The settlement a refund or reversal names, and its lines (None: every line left)."""
    return (key_of(settlement_id, "Settlement", "settlementId"),
            tuple(line_numbers) if line_numbers is not None else None)
