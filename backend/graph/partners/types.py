"""API keys (never their secrets, except once when issued), and what Institution gains here."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
import datetime
import uuid
from typing import Annotated, Union

import strawberry
from strawberry.types import Info

from backend.graph.core import refs
from backend.graph.core.errors import OperationError
from backend.graph.core.ids import to_global_id
from backend.graph.core.wrappers import Wrapper
from backend.services.admin.api_keys import is_live
from backend.storage import models


@strawberry.type(description="A partner's API key `yb_<prefix>_<secret>`: only the prefix is kept in the clear.")
class ApiKey:
    row: strawberry.Private[models.ApiKey]

    @property
    def institution_id(self) -> uuid.UUID:
        return self.row.institution_id

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("ApiKey", self.row.id)

    @strawberry.field(description="The public part after `yb_`, which identifies the key.")
    def prefix(self) -> str:
        return self.row.prefix

    @strawberry.field
    def created_at(self) -> datetime.datetime:
        return self.row.created_at

    @strawberry.field(description="Set when rotated: the old secret works until then (the grace period).")
    def expires_at(self) -> datetime.datetime | None:
        return self.row.expires_at

    @strawberry.field
    def revoked_at(self) -> datetime.datetime | None:
        return self.row.revoked_at

    @strawberry.field(description="Whether the key opens the graph now (its institution must also be enabled).")
    def live(self, info: Info) -> bool:
        return is_live(self.row, info.context.rt.clock.now())


@strawberry.type(description="A key just issued: its plaintext is in this answer and nowhere else, ever.")
class IssuedApiKey:
    key: ApiKey
    plaintext: str = strawberry.field(description="`yb_<prefix>_<secret>`; hand it to the partner over a secure channel.")


@strawberry.type
class InstitutionPartnerFields:
    """What the partners package adds to Institution (see `backend.graph.composed`)."""

    row: strawberry.Private[models.Institution]

    @strawberry.field(description="When an admin disabled it; null while it may use its keys.")
    def disabled_at(self) -> datetime.datetime | None:
        return self.row.disabled_at

    @strawberry.field(description="The national platform's code for it (fixmedins_code), which the HSA gateway "
                                  "requires; null until an admin sets it.")
    def institution_code(self) -> str | None:
        return self.row.institution_code

    @strawberry.field(description="Admins: its API keys, newest first, revoked and expired ones included.")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        return [ApiKey(row=key) for key in await info.context.loaders.api_keys_of.load(self.row.id)]


@strawberry.type
class PartnerPayload(Wrapper):
    partner: refs.Institution


@strawberry.type
class IssuedApiKeyPayload(Wrapper):
    partner: refs.Institution
    api_key: IssuedApiKey


@strawberry.type
class RotatedApiKeyPayload(Wrapper):
    api_key: IssuedApiKey
    previous: ApiKey = strawberry.field(description="The rotated key, with the end of its grace period.")


@strawberry.type
class RevokedApiKeyPayload(Wrapper):
    key: ApiKey


@strawberry.type
class StaffUserPayload(Wrapper):
    staff_user: refs.StaffUser


def partner_payload(row: models.Institution) -> PartnerPayload:
    return PartnerPayload(partner=refs.institution(row))


def staff_payload(row: models.StaffUser) -> StaffUserPayload:
    return StaffUserPayload(staff_user=refs.staff_user(row))


PartnerResult = Annotated[Union[PartnerPayload, OperationError], strawberry.union("PartnerResult")]
IssuedApiKeyResult = Annotated[Union[IssuedApiKeyPayload, OperationError], strawberry.union("IssuedApiKeyResult")]
RotatedApiKeyResult = Annotated[Union[RotatedApiKeyPayload, OperationError], strawberry.union("RotatedApiKeyResult")]
RevokedApiKeyResult = Annotated[Union[RevokedApiKeyPayload, OperationError], strawberry.union("RevokedApiKeyResult")]
StaffUserResult = Annotated[Union[StaffUserPayload, OperationError], strawberry.union("StaffUserResult")]
