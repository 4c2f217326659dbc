"""Audit events and policy limits."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
import datetime
import uuid
from typing import Annotated, Any, Union

import strawberry
from strawberry.types import Info

from backend.graph.core import refs
from backend.graph.core.errors import OperationError
from backend.graph.core.wrappers import Wrapper
from backend.storage import models


@strawberry.type(description="One audit event (R15): who, acting as what, did what, to whom, how and when.")
class AuditEvent:
    row: strawberry.Private[models.AuditEvent]

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.subject_person_id,) if self.row.subject_person_id else ()

    @strawberry.field
    def at(self) -> datetime.datetime:
        return self.row.at

    @strawberry.field(description="household, partner or staff")
    def actor_kind(self) -> str:
        return self.row.actor_kind

    @strawberry.field
    def actor_id(self) -> str | None:
        return self.row.actor_id

    @strawberry.field
    def acting_as(self) -> str:
        return self.row.acting_as

    @strawberry.field
    def action(self) -> str:
        return self.row.action

    @strawberry.field(description="web, console, graphql, fhir or cli")
    def channel(self) -> str:
        return self.row.channel

    @strawberry.field
    async def subject(self, info: Info) -> refs.Person | None:
        if self.row.subject_person_id is None:
            return None
        return refs.person(await info.context.loaders.person.load(self.row.subject_person_id))

    @strawberry.field(description="Details as JSON.")
    def detail(self) -> str:
        return self.row.detail


@strawberry.type(description="A cap a region sets (R4); absent means no cap.")
class PolicyLimit:
    name: str
    region_prefix: str
    value: int | None


@strawberry.type
class PolicyLimitPayload(Wrapper):
    limit: PolicyLimit


PolicyLimitResult = Annotated[Union[PolicyLimitPayload, OperationError], strawberry.union("PolicyLimitResult")]


@strawberry.type(description="One request to the HSA gateway (/hsa/v1) and its reply, names and ID numbers masked.")
class HsaMessage:
    line: strawberry.Private[Any]  # services.hsa.messages.LogLine

    @strawberry.field
    def at(self) -> datetime.datetime:
        return self.line.message.created_at

    @strawberry.field(description="The sender's message id.")
    def msgid(self) -> str:
        return self.line.message.msgid

    @strawberry.field(description="The transaction number, e.g. 2102.")
    def infno(self) -> str:
        return self.line.message.infno

    @strawberry.field(description="The operator id the envelope named.")
    def opter(self) -> str:
        return self.line.message.opter

    @strawberry.field(description="The partner's name; null when its API key opened nothing.")
    def institution_name(self) -> str | None:
        return self.line.institution_name

    @strawberry.field
    def institution_code(self) -> str | None:
        return self.line.institution_code

    @strawberry.field(description="0 success, -1 refused.")
    def infcode(self) -> int:
        return self.line.message.infcode

    @strawberry.field
    def err_msg(self) -> str | None:
        return self.line.message.err_msg

    @strawberry.field(description="Whether this is the msgid's first reply (a retry is answered with it).")
    def first_reply(self) -> bool:
        return self.line.message.kept

    @strawberry.field(description="SHA-256 of the request body as sent.")
    def digest(self) -> str:
        return self.line.message.request_sha256

    @strawberry.field(description="The request, ID numbers, names and codes masked.")
    def request(self) -> str:
        return self.line.message.request

    @strawberry.field(description="The reply as sent (partners see masked names only).")
    def reply(self) -> str:
        return self.line.message.reply
