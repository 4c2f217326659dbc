"""The schema: queries, mutations, and the extensions every operation runs through."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import strawberry
from graphql import VariableDefinitionNode
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from backend.config import Settings
from backend.domain.errors import DomainError, ErrorCode
from backend.graph.errors import OperationError, bad_request
from backend.graph.gate import Gate
from backend.graph.mutual_aid import Grant, MutualAidMutation, MutualAidQuery, Settlement, _pool_key
from backend.graph.pagination import build_connection, requested_window
from backend.graph.rules import Access, rule_for
from backend.graph.scalars import SCALARS
from backend.graph.types import (
    WRAPPERS,
    AuditEvent,
    AuditEventConnection,
    AuditEventEdge,
    Binding,
    BindingPayload,
    BindingResult,
    ClaimWithdrawn,
    Household,
    HouseholdPayload,
    HouseholdResult,
    Institution,
    IssueCodeResult,
    IssuedCode,
    IssuedCodePayload,
    Node,
    Person,
    PersonConnection,
    PersonEdge,
    PolicyLimit,
    PolicyLimitPayload,
    PolicyLimitResult,
    Relationship,
    RelationshipConnection,
    RelationshipEdge,
    RelationshipPayload,
    RelationshipResult,
    ResolveCodeResult,
    ResolvedCode,
    StaffUser,
    VerificationMethodEnum,
    Viewer,
    Voucher,
    VoucherPayload,
    VoucherResult,
    WithdrawClaimResult,
    from_global_id,
)
from backend.principals import PrincipalKind
from backend.services import audit, bindings, codes, family, limits, reads

log = logging.getLogger(__name__)


async def _attempt(info: Info, work: Callable[..., Any], wrap: Callable[[Any], Any], *args: Any) -> Any:
    """Run a use case; an expected refusal becomes a typed error result and nothing is written."""
    ctx = info.context
    try:
        result = await ctx.run(work, ctx.rt, ctx.actor, *args)
    except DomainError as error:
        return OperationError.of(error, ctx.locale)
    await ctx.refresh_scope()
    return wrap(result)


def _node_key(value: strawberry.ID, type_name: str, field: str) -> uuid.UUID:
    decoded = from_global_id(value, type_name)
    if decoded is None:
        raise DomainError(ErrorCode.NOT_FOUND, field=field)
    return decoded[1]


NODE_TYPES = {**WRAPPERS, "Grant": Grant, "Settlement": Settlement}


@strawberry.type
class Query(MutualAidQuery):
    @strawberry.field(description="The calling principal: a Person, an Institution or a StaffUser; null when signed out.")
    async def viewer(self, info: Info) -> Viewer | None:
        principal = info.context.principal
        loaders = info.context.loaders
        if principal.kind is PrincipalKind.HOUSEHOLD:
            return Person(row=await loaders.person.load(principal.id))
        if principal.kind is PrincipalKind.PARTNER:
            return Institution(row=await loaders.institution.load(principal.id))
        if principal.kind is PrincipalKind.STAFF:
            return StaffUser(row=await loaders.staff.load(principal.id))
        return None

    @strawberry.field(description="Any object by its global id, if the caller may see it.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        decoded = from_global_id(id)
        if decoded is None or decoded[0] not in NODE_TYPES:
            return None
        type_name, key = decoded
        row = await info.context.loaders.by_type(type_name).load(key)
        if row is None:
            return None
        obj = NODE_TYPES[type_name](row=row)
        rule = rule_for(type_name, "id", info.context.principal.kind)
        if rule is None or rule.decide(info.context, obj) is Access.DENIED:
            return None
        return obj

    @strawberry.field(description="Staff: search people by exact ID number or phone, or the start of a name.")
    async def people(self, info: Info, search: str, first: int = 20, after: str | None = None) -> PersonConnection | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)

        def run():
            with ctx.rt.db.read() as s:
                return reads.search_people(s, search, offset, limit)

        rows, total = await ctx.run(run)
        await ctx.run(_audit_search, ctx, search, total)
        return build_connection(PersonConnection, PersonEdge, [Person(row=r) for r in rows], offset, total)

    @strawberry.field(description="Staff: claimed relationships waiting for verification, oldest first.")
    async def relationship_claims(self, info: Info, first: int = 20,
                                  after: str | None = None) -> RelationshipConnection | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)

        def run():
            with ctx.rt.db.read() as s:
                return reads.pending_claims(s, offset, limit)

        rows, total = await ctx.run(run)
        return build_connection(RelationshipConnection, RelationshipEdge, [Relationship(row=r) for r in rows],
                                offset, total)

    @strawberry.field(description="Auditors and admins: the audit log, newest first, optionally about one person. "
                                  "Reading it is audited too.")
    async def audit_events(self, info: Info, subject_id: strawberry.ID | None = None, first: int = 20,
                           after: str | None = None) -> AuditEventConnection | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)
        decoded = from_global_id(subject_id, "Person") if subject_id else None
        if subject_id and decoded is None:
            raise bad_request(DomainError(ErrorCode.NOT_FOUND, field="subjectId"), ctx.locale)
        key = decoded[1] if decoded else None

        def run():
            with ctx.rt.db.read() as s:
                return reads.audit_events(s, key, offset, limit)

        rows, total = await ctx.run(run)
        await ctx.run(_audit_log_read, ctx, key)
        return build_connection(AuditEventConnection, AuditEventEdge, [AuditEvent(row=r) for r in rows], offset, total)

    @strawberry.field(description="Partners: who a scanned code is for and who showed it. Does not use it up.")
    async def resolve_code(self, info: Info, code: str) -> ResolveCodeResult | None:
        ctx = info.context
        try:
            resolved = await ctx.run(codes.resolve_code, ctx.rt, ctx.actor, code)
        except DomainError as error:
            return OperationError.of(error, ctx.locale)
        return ResolvedCode(resolved=resolved)


def _audit_log_read(ctx, subject_id) -> None:
    ctx.rt.db.write(lambda s: audit.record(s, ctx.actor, "audit.read", at=ctx.rt.clock.now(),
                                           subject_person_id=subject_id))


def _audit_search(ctx, search: str, total: int) -> None:
    ctx.rt.db.write(lambda s: audit.record(s, ctx.actor, "person.search", at=ctx.rt.clock.now(),
                                           query=search, results=total))


@strawberry.input
class ClaimRelationshipInput:
    id_number: str = strawberry.field(description="The relative's ID number.")
    name: str = strawberry.field(description="The relative's name, as on their ID card.")
    kind: str = strawberry.field(description="What the relative is to you: a Kinship value in lower case "
                                             "(spouse, parent, child, ...). Other kinds are refused (R1).")


@strawberry.input
class RelationshipInput:
    relationship_id: strawberry.ID


@strawberry.input
class VerifyRelationshipInput:
    relationship_id: strawberry.ID
    method: VerificationMethodEnum


@strawberry.input
class RejectRelationshipInput:
    relationship_id: strawberry.ID
    reason: str


@strawberry.input
class CreateHouseholdInput:
    name: str


@strawberry.input
class RenameHouseholdInput:
    household_id: strawberry.ID
    name: str


@strawberry.input
class HouseholdMemberInput:
    household_id: strawberry.ID
    person_id: strawberry.ID


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


@strawberry.input
class PolicyLimitInput:
    name: str = strawberry.field(description="bindings_per_holder or grantees_per_grantor.")
    region_prefix: str = strawberry.field(description='"" everywhere, "37" Shandong, "3701" Jinan, or a full code.')
    value: int | None = strawberry.field(description="1-99, or null to remove the cap.")


def _binding(row) -> BindingPayload:
    return BindingPayload(binding=Binding(row=row))


def _relationship(row) -> RelationshipPayload:
    return RelationshipPayload(relationship=Relationship(row=row))


def _household(row) -> HouseholdPayload:
    return HouseholdPayload(household=Household(row=row))


def _by_ids(work: Callable[..., Any], *fields: tuple[str, str]):
    """Decode global ids inside the use case call, so a bad id is a typed error too."""
    def run(rt, actor, *values):
        keys = [_node_key(v, type_name, name) for v, (type_name, name) in zip(values[:len(fields)], fields, strict=True)]
        return work(rt, actor, *keys, *values[len(fields):])
    return run


@strawberry.type
class Mutation(MutualAidMutation):
    @strawberry.mutation(description="Say who a relative is to you; staff verify it before grants rely on it.")
    async def claim_relationship(self, info: Info, input: ClaimRelationshipInput) -> RelationshipResult:
        def work(rt, actor):
            return family.claim_relationship(rt, actor, id_number=input.id_number, name=input.name, kind=input.kind)
        return await _attempt(info, work, _relationship)

    @strawberry.mutation(description="Take back a claim you made that no clerk has decided yet.")
    async def withdraw_claim(self, info: Info, input: RelationshipInput) -> WithdrawClaimResult:
        work = _by_ids(family.withdraw_claim, ("Relationship", "relationshipId"))
        return await _attempt(info, work, lambda _: ClaimWithdrawn(relationship_id=input.relationship_id),
                              input.relationship_id)

    @strawberry.mutation(description="Staff (clerk, admin): confirm a claimed relationship.")
    async def verify_relationship(self, info: Info, input: VerifyRelationshipInput) -> RelationshipResult:
        work = _by_ids(family.verify_relationship, ("Relationship", "relationshipId"))
        return await _attempt(info, work, _relationship, input.relationship_id, input.method.value)

    @strawberry.mutation(description="Staff (clerk, admin): refuse a claimed relationship, with a reason.")
    async def reject_relationship(self, info: Info, input: RejectRelationshipInput) -> RelationshipResult:
        work = _by_ids(family.reject_relationship, ("Relationship", "relationshipId"))
        return await _attempt(info, work, _relationship, input.relationship_id, input.reason)

    @strawberry.mutation
    async def create_household(self, info: Info, input: CreateHouseholdInput) -> HouseholdResult:
        return await _attempt(info, family.create_household, _household, input.name)

    @strawberry.mutation
    async def rename_household(self, info: Info, input: RenameHouseholdInput) -> HouseholdResult:
        work = _by_ids(family.rename_household, ("Household", "householdId"))
        return await _attempt(info, work, _household, input.household_id, input.name)

    @strawberry.mutation(description="Add a relative of yours to a household you are in.")
    async def add_household_member(self, info: Info, input: HouseholdMemberInput) -> HouseholdResult:
        work = _by_ids(family.add_household_member, ("Household", "householdId"), ("Person", "personId"))
        return await _attempt(info, work, _household, input.household_id, input.person_id)

    @strawberry.mutation(description="Any member may remove any member; the last one out ends the household.")
    async def remove_household_member(self, info: Info, input: HouseholdMemberInput) -> HouseholdResult:
        work = _by_ids(family.remove_household_member, ("Household", "householdId"), ("Person", "personId"))

        def still_mine(row) -> HouseholdPayload:
            return HouseholdPayload(household=Household(row=row) if row.id in info.context.household_ids else None)

        return await _attempt(info, work, still_mine, input.household_id, input.person_id)

    @strawberry.mutation(description="Activate your own medical e-voucher (医保电子凭证).")
    async def activate_voucher(self, info: Info) -> VoucherResult:
        return await _attempt(info, bindings.activate_voucher,
                              lambda row: VoucherPayload(voucher=Voucher(person_id=row.person_id,
                                                                         activated_at=row.activated_at)))

    @strawberry.mutation(description="Ask to show a relative's code: an adult approves; a guardian binds a minor at once.")
    async def request_binding(self, info: Info, input: RequestBindingInput) -> BindingResult:
        work = _by_ids(bindings.request_binding, ("Person", "subjectId"))
        return await _attempt(info, work, _binding, input.subject_id)

    @strawberry.mutation(description="The bound person consents (or staff, having verified them at a counter).")
    async def approve_binding(self, info: Info, input: ApproveBindingInput) -> BindingResult:
        work = _by_ids(bindings.approve_binding, ("Binding", "bindingId"))
        return await _attempt(info, work, _binding, input.binding_id, input.evidence)

    @strawberry.mutation
    async def decline_binding(self, info: Info, input: BindingInput) -> BindingResult:
        work = _by_ids(bindings.decline_binding, ("Binding", "bindingId"))
        return await _attempt(info, work, _binding, input.binding_id)

    @strawberry.mutation(description="Either side ends a binding at any time; its codes stop working at once.")
    async def end_binding(self, info: Info, input: BindingInput) -> BindingResult:
        work = _by_ids(bindings.end_binding, ("Binding", "bindingId"))
        return await _attempt(info, work, _binding, input.binding_id)

    @strawberry.mutation(description="The bound person (for a minor, the guardian) decides what the holder sees.")
    async def set_binding_scopes(self, info: Info, input: BindingScopesInput) -> BindingResult:
        def work(rt, actor, binding_id):
            key = _node_key(binding_id, "Binding", "bindingId")
            return bindings.set_binding_scopes(rt, actor, key, view_insurance=input.view_insurance,
                                               view_account=input.view_account)
        return await _attempt(info, work, _binding, input.binding_id)

    @strawberry.mutation(description="A fresh code for yourself or a bound relative. Earlier codes stay valid until "
                                      "they expire (so one scanned as the page refreshed still works); each is single-use.")
    async def issue_code(self, info: Info, input: IssueCodeInput) -> IssueCodeResult:
        def work(rt, actor):
            pools = [_pool_key(p) for p in input.pools] if input.pools is not None else None
            return codes.issue_code(rt, actor, _node_key(input.subject_id, "Person", "subjectId"), pools=pools,
                                    cash_only=input.cash_only)

        return await _attempt(info, work, lambda issued: IssuedCodePayload(issued_code=IssuedCode(issued=issued)))

    @strawberry.mutation(description="Admins: set or clear a region's cap (R4).")
    async def set_policy_limit(self, info: Info, input: PolicyLimitInput) -> PolicyLimitResult:
        def work(rt, actor):
            limits.set_limit(rt, actor, input.name, input.region_prefix, input.value)
            return PolicyLimit(name=input.name, region_prefix=input.region_prefix, value=input.value)
        return await _attempt(info, work, lambda limit: PolicyLimitPayload(limit=limit))


def _bad_variable(error) -> bool:
    """A variable value that does not fit its type: graphql-core reports it at the variable's definition."""
    return any(isinstance(node, VariableDefinitionNode) for node in error.nodes or ())


def _unexpected(error) -> bool:
    return error.original_error is not None and not (error.extensions or {}).get("code") and not _bad_variable(error)


class Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Refusals carry a code, and invalid documents are the caller's business: log only failures
        # raised inside resolvers that nobody expected.
        for error in errors:
            if _bad_variable(error):
                log.info("client error: %s", error.message)
        unexpected = [e for e in errors if _unexpected(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(settings: Settings) -> Schema:
    # Validation rules are built once: the shared ValidationCache keys on the rule classes, and a
    # limiter made per request would bring new classes, and a cache miss, every time.
    rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    if not settings.development:
        rules.append(NoSchemaIntrospectionCustomRule)
    extensions: list = [
        Gate,
        # An unexpected failure must not show callers its SQL or values; refusals carry a code and pass.
        lambda: MaskErrors(should_mask_error=_unexpected, error_message="Unexpected error."),
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
        ParserCache,
        ValidationCache,
    ]
    return Schema(query=Query, mutation=Mutation, extensions=extensions,
                  config=StrawberryConfig(disable_field_suggestions=not settings.development, scalar_map=SCALARS),
                  types=[Person, Household, Relationship, Institution, StaffUser, Binding, Grant, Settlement])
