"""Admins register partners and manage their API keys, and manage staff users; every action with a reason."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graph.core import refs
from backend.graph.core.enums import InstitutionKindEnum, StaffRoleEnum
from backend.graph.core.ids import key_of
from backend.graph.core.mutations import attempt
from backend.graph.partners.types import (
    ApiKey,
    IssuedApiKey,
    IssuedApiKeyPayload,
    IssuedApiKeyResult,
    PartnerResult,
    RevokedApiKeyPayload,
    RevokedApiKeyResult,
    RotatedApiKeyPayload,
    RotatedApiKeyResult,
    StaffUserResult,
    partner_payload,
    staff_payload,
)
from backend.services.admin import partners, staff

REASON = "Why (required; kept in the audit log)."


@strawberry.input
class RegisterPartnerInput:
    name: str
    kind: InstitutionKindEnum
    level: int = strawberry.field(default=0, description="Hospitals 1-3 (0 while unknown); others 0.")
    region_code: str = strawberry.field(description="GB/T 2260 region code, e.g. 370102.")
    reason: str = strawberry.field(description=REASON)


@strawberry.input
class PartnerActionInput:
    partner_id: strawberry.ID
    reason: str = strawberry.field(description=REASON)


@strawberry.input
class SetInstitutionCodeInput:
    partner_id: strawberry.ID
    institution_code: str = strawberry.field(description="The national platform's code (fixmedins_code): a capital "
                                                         "letter and 11 digits; empty removes it.")
    reason: str = strawberry.field(description=REASON)


@strawberry.input
class ApiKeyActionInput:
    key_id: strawberry.ID
    reason: str = strawberry.field(description=REASON)


@strawberry.input
class AddStaffUserInput:
    username: str = strawberry.field(description="3-32 lowercase letters, digits, dots, dashes or underscores.")
    name: str
    role: StaffRoleEnum
    password: str = strawberry.field(description="A first password (8-128 characters) to hand over; they change it.")
    reason: str = strawberry.field(description=REASON)


@strawberry.input
class SetStaffRoleInput:
    staff_id: strawberry.ID
    role: StaffRoleEnum
    reason: str = strawberry.field(description=REASON)


@strawberry.input
class StaffActionInput:
    staff_id: strawberry.ID
    reason: str = strawberry.field(description=REASON)


def _partner(input: PartnerActionInput):
    return key_of(input.partner_id, "Institution", "partnerId")


def _key(input: ApiKeyActionInput):
    return key_of(input.key_id, "ApiKey", "keyId")


def _staff(input: SetStaffRoleInput | StaffActionInput):
    return key_of(input.staff_id, "StaffUser", "staffId")


def _issued(issued: partners.IssuedKey) -> IssuedApiKey:
    return IssuedApiKey(key=ApiKey(row=issued.key), plaintext=issued.plaintext)


@strawberry.type
class PartnersMutation:
    @strawberry.mutation(description="Admins: register a partner institution and issue its first API key, "
                                     "whose plaintext this answer shows once.")
    async def register_partner(self, info: Info, input: RegisterPartnerInput) -> IssuedApiKeyResult:
        def work(rt, actor):
            return partners.register_partner(rt, actor, name=input.name, kind=input.kind.value, level=input.level,
                                             region_code=input.region_code, reason=input.reason)
        return await attempt(info, work, lambda done: IssuedApiKeyPayload(partner=refs.institution(done[0]),
                                                                          api_key=_issued(done[1])))

    @strawberry.mutation(description="Admins: one more API key for a partner (plaintext shown once); "
                                     "its other keys keep working.")
    async def issue_api_key(self, info: Info, input: PartnerActionInput) -> IssuedApiKeyResult:
        async def payload(issued):
            inst = await info.context.loaders.institution.load(issued.key.institution_id)
            return IssuedApiKeyPayload(partner=refs.institution(inst), api_key=_issued(issued))
        return await attempt(info, lambda rt, actor: partners.issue_key(rt, actor, _partner(input), input.reason),
                             payload)

    @strawberry.mutation(description="Admins: replace a live API key with a new one (plaintext shown once). The "
                                     "old key keeps working for API_KEY_ROTATION_GRACE_HOURS (default 24; 0: "
                                     "it stops at once).")
    async def rotate_api_key(self, info: Info, input: ApiKeyActionInput) -> RotatedApiKeyResult:
        return await attempt(info, lambda rt, actor: partners.rotate_key(rt, actor, _key(input), input.reason),
                             lambda done: RotatedApiKeyPayload(api_key=_issued(done.new),
                                                               previous=ApiKey(row=done.old)))

    @strawberry.mutation(description="Admins: an API key stops working on its next request (a rotated key's "
                                     "grace included), and so do sandbox sessions signed in with it.")
    async def revoke_api_key(self, info: Info, input: ApiKeyActionInput) -> RevokedApiKeyResult:
        return await attempt(info, lambda rt, actor: partners.revoke_key(rt, actor, _key(input), input.reason),
                             lambda key: RevokedApiKeyPayload(key=ApiKey(row=key)))

    @strawberry.mutation(description="Admins: none of the partner's keys or sessions work until it is enabled.")
    async def disable_partner(self, info: Info, input: PartnerActionInput) -> PartnerResult:
        return await attempt(info, lambda rt, actor: partners.disable_partner(rt, actor, _partner(input),
                                                                              input.reason), partner_payload)

    @strawberry.mutation(description="Admins: a disabled partner's live keys work again.")
    async def enable_partner(self, info: Info, input: PartnerActionInput) -> PartnerResult:
        return await attempt(info, lambda rt, actor: partners.enable_partner(rt, actor, _partner(input),
                                                                             input.reason), partner_payload)

    @strawberry.mutation(description="Admins: set the partner's institution code, which the HSA gateway (/hsa/v1) "
                                     "requires as fixmedins_code; unique.")
    async def set_institution_code(self, info: Info, input: SetInstitutionCodeInput) -> PartnerResult:
        def work(rt, actor):
            partner_id = key_of(input.partner_id, "Institution", "partnerId")
            return partners.set_institution_code(rt, actor, partner_id, input.institution_code, input.reason)
        return await attempt(info, work, partner_payload)

    @strawberry.mutation(description="Admins: add a staff user with a first password.")
    async def add_staff_user(self, info: Info, input: AddStaffUserInput) -> StaffUserResult:
        def work(rt, actor):
            return staff.add_staff_user(rt, actor, username=input.username, name=input.name, role=input.role.value,
                                        password=input.password, reason=input.reason)
        return await attempt(info, work, staff_payload)

    @strawberry.mutation(description="Admins: change a staff user's role, from their next request on. The last "
                                     "active admin stays one (LAST_ADMIN).")
    async def set_staff_role(self, info: Info, input: SetStaffRoleInput) -> StaffUserResult:
        return await attempt(info, lambda rt, actor: staff.set_staff_role(rt, actor, _staff(input), input.role.value,
                                                                         input.reason), staff_payload)

    @strawberry.mutation(description="Admins: the user cannot sign in, and their sessions and tokens end at once. "
                                     "The last active admin cannot be disabled (LAST_ADMIN).")
    async def disable_staff_user(self, info: Info, input: StaffActionInput) -> StaffUserResult:
        return await attempt(info, lambda rt, actor: staff.disable_staff_user(rt, actor, _staff(input),
                                                                              input.reason), staff_payload)

    @strawberry.mutation(description="Admins: a disabled staff user may sign in again.")
    async def enable_staff_user(self, info: Info, input: StaffActionInput) -> StaffUserResult:
        return await attempt(info, lambda rt, actor: staff.enable_staff_user(rt, actor, _staff(input),
                                                                             input.reason), staff_payload)
