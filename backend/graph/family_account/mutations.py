"""Activate an e-voucher; ask for, consent to, decline and end bindings; set scopes; issue a code."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.core.ids import key_of
from backend.graph.core.mutations import attempt
from backend.graph.core.pools import pool_from_input
from backend.graph.family_account.types import (
    Binding,
    BindingPayload,
    BindingResult,
    IssueCodeResult,
    IssuedCode,
    IssuedCodePayload,
    Voucher,
    VoucherPayload,
    VoucherResult,
)
from backend.services.family_account import bindings, codes


@strawberry.input
class ActivateVoucherInput:
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="A minor child of yours (you are their verified parent); omitted: your own.")


@strawberry.input
class RequestBindingInput:
    subject_id: strawberry.ID = strawberry.field(description="The relative whose code you want to show.")


@strawberry.input
class ApproveBindingInput:
    binding_id: strawberry.ID
    evidence: str | None = strawberry.field(
        default=None, description="Proof of identity from the verifier (a face-verification token in production).")


@strawberry.input
class BindingInput:
    binding_id: strawberry.ID


@strawberry.input
class BindingScopesInput:
    binding_id: strawberry.ID
    view_insurance: bool
    view_account: bool


@strawberry.input
class IssueCodeInput:
    subject_id: strawberry.ID = strawberry.field(description="Yourself, or someone you hold an active binding for.")
    pools: list[str] | None = strawberry.field(
        default=None, description='A payer order for this code alone: "own" and Grant ids, first to last.')
    cash_only: bool = strawberry.field(default=False, description="This code pays in cash only.")


def _binding(row) -> BindingPayload:
    return BindingPayload(binding=Binding(row=row))


def _binding_key(input) -> object:
    return key_of(input.binding_id, "Binding", "bindingId")


@strawberry.type
class FamilyAccountMutation:
    @strawberry.mutation(description="Activate your own medical e-voucher (医保电子凭证), or, as guardian, a minor "
                                      "child's (NOT_GUARDIAN unless you are their verified parent and they are a minor).")
    async def activate_voucher(self, info: Info, input: ActivateVoucherInput | None = None) -> VoucherResult:
        def work(rt, actor):
            person_id = key_of(input.person_id, "Person", "personId") if input and input.person_id else None
            return bindings.activate_voucher(rt, actor, person_id)

        me = info.context.principal.id
        return await attempt(info, work, lambda row: VoucherPayload(voucher=Voucher(
            person_id=row.person_id, activated_at=row.activated_at, activated_by_guardian=row.person_id != me)))

    @strawberry.mutation(description="Ask to show a relative's code: an adult approves; a guardian binds a minor at once.")
    async def request_binding(self, info: Info, input: RequestBindingInput) -> BindingResult:
        def work(rt, actor):
            return bindings.request_binding(rt, actor, key_of(input.subject_id, "Person", "subjectId"))
        return await attempt(info, work, _binding)

    @strawberry.mutation(description="The bound person consents (or staff, having verified them at a counter).")
    async def approve_binding(self, info: Info, input: ApproveBindingInput) -> BindingResult:
        def work(rt, actor):
            return bindings.approve_binding(rt, actor, _binding_key(input), input.evidence)
        return await attempt(info, work, _binding)

    @strawberry.mutation
    async def decline_binding(self, info: Info, input: BindingInput) -> BindingResult:
        def work(rt, actor):
            return bindings.decline_binding(rt, actor, _binding_key(input))
        return await attempt(info, work, _binding)

    @strawberry.mutation(description="Either side ends a binding at any time; its codes stop working at once.")
    async def end_binding(self, info: Info, input: BindingInput) -> BindingResult:
        def work(rt, actor):
            return bindings.end_binding(rt, actor, _binding_key(input))
        return await attempt(info, work, _binding)

    @strawberry.mutation(description="The bound person (for a minor, the guardian) decides what the holder sees.")
    async def set_binding_scopes(self, info: Info, input: BindingScopesInput) -> BindingResult:
        def work(rt, actor):
            return bindings.set_binding_scopes(rt, actor, _binding_key(input), view_insurance=input.view_insurance,
                                               view_account=input.view_account)
        return await attempt(info, work, _binding)

    @strawberry.mutation(description="A fresh code for yourself or a bound relative. Earlier codes stay valid until "
                                      "they expire (so one scanned as the page refreshed still works); each is single-use.")
    async def issue_code(self, info: Info, input: IssueCodeInput) -> IssueCodeResult:
        def work(rt, actor):
            pools = [pool_from_input(p) for p in input.pools] if input.pools is not None else None
            return codes.issue_code(rt, actor, key_of(input.subject_id, "Person", "subjectId"), pools=pools,
                                    cash_only=input.cash_only)

        return await attempt(info, work, lambda issued: IssuedCodePayload(issued_code=IssuedCode(issued=issued)),
                             changes_reads=False)
