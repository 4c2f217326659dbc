"""Relationships, a person's family as a list of relatives, and households."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
import datetime
import uuid
from typing import Annotated, Union

import strawberry
from strawberry.types import Info

from backend.domain.idnumber import Sex
from backend.domain.kinship import Kinship, kind_of_other, kinship_label_id
from backend.domain.relationships import RelationshipStatus, VerificationMethod
from backend.graph.core import refs
from backend.graph.core.enums import KinshipEnum
from backend.graph.core.errors import OperationError
from backend.graph.core.loaders import load_many_primed_first, now_or_later
from backend.graph.core.node import Node, register
from backend.graph.core.pagination import (
    Connection,
    PageInfo,
    connection,
    cursor_at,
    oldest_first,
    page_info,
    paginate,
    requested_window,
)
from backend.graph.core.wrappers import Wrapper
from backend.i18n import gettext
from backend.storage import models

RelationshipStatusEnum = strawberry.enum(RelationshipStatus, name="RelationshipStatus")
VerificationMethodEnum = strawberry.enum(VerificationMethod, name="VerificationMethod")


@register("relationship")
@strawberry.type(description='"person is relative\'s kind" (R1), as claimed and then verified or rejected.')
class Relationship(Node):
    row: strawberry.Private[models.Relationship]

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.person_id, self.row.relative_id)

    @strawberry.field
    def person(self, info: Info) -> refs.Person:
        return now_or_later(info.context.loaders.person, self.row.person_id, refs.person)

    @strawberry.field
    def relative(self, info: Info) -> refs.Person:
        return now_or_later(info.context.loaders.person, self.row.relative_id, refs.person)

    @strawberry.field(description="Who made the claim (only they may withdraw it while it waits).")
    def claimed_by(self, info: Info) -> refs.Person | None:
        if self.row.claimed_by is None:
            return None
        return now_or_later(info.context.loaders.person, self.row.claimed_by, refs.person)

    @strawberry.field(description="What `person` is to `relative`.")
    def kind(self) -> KinshipEnum:
        return Kinship(self.row.kind)

    @strawberry.field
    def status(self) -> RelationshipStatusEnum:
        return RelationshipStatus(self.row.status)

    @strawberry.field
    def claimed_at(self) -> datetime.datetime:
        return self.row.claimed_at

    @strawberry.field
    def decided_at(self) -> datetime.datetime | None:
        return self.row.decided_at

    @strawberry.field(description="registry, documents, or staff (for a rejection).")
    def decided_via(self) -> str | None:
        return self.row.decided_via

    @strawberry.field
    def rejection_reason(self) -> str | None:
        return self.row.rejection_reason


@strawberry.type(description="A relative of the person whose family this is.")
class FamilyEdge:
    cursor: str
    node: refs.Person
    kind: KinshipEnum = strawberry.field(description="What `node` is to the person whose family this is.")
    sex_of_relative: strawberry.Private[Sex]
    relationship: Relationship

    @strawberry.field(description="The kind in the caller's language, by the relative's sex (母亲, father...).")
    def kind_label(self, info: Info) -> str:
        return gettext(info.context.locale, kinship_label_id(self.kind, self.sex_of_relative))


@strawberry.type
class FamilyConnection(Wrapper):
    edges: list[FamilyEdge]
    page_info: PageInfo
    total_count: int


@register("household")
@strawberry.type(description="A named group of people one family manages together.")
class Household(Node):
    row: strawberry.Private[models.Household]

    @property
    def household_id(self) -> uuid.UUID:
        return self.row.id

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def created_at(self) -> datetime.datetime:
        return self.row.created_at

    @strawberry.field
    async def members(self, info: Info, first: int = 20, after: str | None = None) -> Connection[refs.Person]:
        ids = await info.context.loaders.members_of.load(self.row.id)
        offset, limit = requested_window(info.context, first, after)
        people = await info.context.loaders.person.load_many(ids[offset:offset + limit])
        return connection([refs.person(p) for p in people], offset, len(ids))


@strawberry.type
class PersonFamilyFields:
    """Person.family and Person.households."""

    row: strawberry.Private[models.Person]

    @strawberry.field(description="Relationships of this person, each edge saying what the relative is to them.")
    async def family(self, info: Info, first: int = 20, after: str | None = None) -> FamilyConnection:
        rows = await info.context.loaders.relationships_of.load(self.row.id)
        offset, limit = requested_window(info.context, first, after)
        chunk = rows[offset:offset + limit]
        others = [r.person_id if r.relative_id == self.row.id else r.relative_id for r in chunk]
        people = await load_many_primed_first(info.context.loaders.person, others)  # the scope primed them
        edges = []
        for i, (rel, other) in enumerate(zip(chunk, people, strict=True)):
            kind = kind_of_other(Kinship(rel.kind), other_is_stored_person=rel.person_id == other.id)
            edges.append(FamilyEdge(cursor=cursor_at(offset + i), node=refs.person(other), kind=kind,
                                    sex_of_relative=Sex(other.sex), relationship=Relationship(row=rel)))
        return FamilyConnection(edges=edges, page_info=page_info(offset, len(chunk), len(rows)), total_count=len(rows))

    @strawberry.field
    async def households(self, info: Info, first: int = 20, after: str | None = None) -> Connection[Household]:
        rows = await info.context.loaders.households_of.load(self.row.id)
        return paginate(info.context, rows, first, after, lambda h: Household(row=h),
                        key=lambda h: oldest_first(h.created_at, h.id))


@strawberry.type
class ClaimWithdrawn(Wrapper):
    relationship_id: strawberry.ID


@strawberry.type
class RelationshipPayload(Wrapper):
    relationship: Relationship


@strawberry.type
class HouseholdPayload(Wrapper):
    household: Household | None = strawberry.field(description="Null when you have just left it.")


RelationshipResult = Annotated[Union[RelationshipPayload, OperationError], strawberry.union("RelationshipResult")]
HouseholdResult = Annotated[Union[HouseholdPayload, OperationError], strawberry.union("HouseholdResult")]
WithdrawClaimResult = Annotated[Union[ClaimWithdrawn, OperationError], strawberry.union("WithdrawClaimResult")]
