"""Object types of the graph. Each wraps a stored row; the gate decides who sees which field."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Union

import strawberry
from strawberry.relay import GlobalID
from strawberry.types import Info

from backend.domain.idnumber import Sex
from backend.domain.insurance import InsuranceStatus, InsuranceType
from backend.domain.kinship import Kinship, kind_of_other, kinship_label_id
from backend.domain.regions import region_name
from backend.graph.errors import OperationError
from backend.graph.pagination import PageInfo, build_connection, cursor_at, page_info, requested_window
from backend.i18n import gettext
from backend.principals import InstitutionKind, StaffRole
from backend.services.family import RelationshipStatus, VerificationMethod
from backend.storage import models

SexEnum = strawberry.enum(Sex, name="Sex")
InsuranceTypeEnum = strawberry.enum(InsuranceType, name="InsuranceType")
InsuranceStatusEnum = strawberry.enum(InsuranceStatus, name="InsuranceStatus")
KinshipEnum = strawberry.enum(Kinship, name="Kinship", description="Near relatives under rule R1.")
RelationshipStatusEnum = strawberry.enum(RelationshipStatus, name="RelationshipStatus")
VerificationMethodEnum = strawberry.enum(VerificationMethod, name="VerificationMethod")
InstitutionKindEnum = strawberry.enum(InstitutionKind, name="InstitutionKind")
StaffRoleEnum = strawberry.enum(StaffRole, name="StaffRole")


def to_global_id(type_name: str, key: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(str(GlobalID(type_name, str(key))))


def from_global_id(value: str, expected: str | None = None) -> tuple[str, uuid.UUID] | None:
    try:
        gid = GlobalID.from_id(value)
        key = uuid.UUID(gid.node_id)
    except Exception:  # noqa: BLE001 - any malformed id is simply "not found"
        return None
    if expected and gid.type_name != expected:
        return None
    return gid.type_name, key


def _paginate(info: Info, first: int, after: str | None, items: list):
    offset, limit = requested_window(info.context, first, after)
    chunk = items[offset:offset + limit]
    return offset, chunk, page_info(offset, len(chunk), len(items))


@strawberry.interface(description="An object with a global id (Relay).")
class Node:
    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id(type(self).__name__, self.key())


@strawberry.type(description="A person's current insurance enrolment.")
class Insurance:
    row: strawberry.Private[models.Enrolment]

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.person_id,)

    @strawberry.field
    def type(self) -> InsuranceTypeEnum:
        return InsuranceType(self.row.insurance_type)

    @strawberry.field(description="GB/T 2260 region code of the coordination area (统筹区).")
    def region_code(self) -> str:
        return self.row.region_code

    @strawberry.field
    def region_name(self, info: Info) -> str:
        return region_name(self.row.region_code, info.context.locale)

    @strawberry.field
    def status(self) -> InsuranceStatusEnum:
        return InsuranceStatus(self.row.status)


@strawberry.type(description="An employee's personal medical account (个人账户).")
class PersonalAccount:
    row: strawberry.Private[models.PersonalAccount]

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.person_id,)

    @strawberry.field(description="Balance in integer fen (1 yuan = 100 fen).")
    def balance_fen(self) -> int:
        return self.row.balance_fen


@strawberry.type(description="An insured person (参保人).")
class Person(Node):
    row: strawberry.Private[models.Person]

    def key(self) -> uuid.UUID:
        return self.row.id

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.id,)

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field(description="Full to the person and staff, masked (3701**********123X) to family.")
    def id_number(self) -> str | None:
        return self.row.id_number

    @strawberry.field
    def birth_date(self) -> datetime.date | None:
        return self.row.birth_date

    @strawberry.field
    def sex(self) -> SexEnum | None:
        return Sex(self.row.sex)

    @strawberry.field
    def phone(self) -> str | None:
        return self.row.phone

    @strawberry.field
    async def insurance(self, info: Info) -> Insurance | None:
        row = await info.context.loaders.enrolment.load(self.row.id)
        return Insurance(row=row) if row else None

    @strawberry.field
    async def personal_account(self, info: Info) -> PersonalAccount | None:
        row = await info.context.loaders.account.load(self.row.id)
        return PersonalAccount(row=row) if row else None

    @strawberry.field(description="Relationships of this person, each edge saying what the relative is to them.")
    async def family(self, info: Info, first: int = 20, after: str | None = None) -> FamilyConnection:
        rows = await info.context.loaders.relationships_of.load(self.row.id)
        offset, chunk, pinfo = _paginate(info, first, after, rows)
        others = [r.person_id if r.relative_id == self.row.id else r.relative_id for r in chunk]
        people = await info.context.loaders.person.load_many(others)
        edges = []
        for i, (rel, other) in enumerate(zip(chunk, people, strict=True)):
            kind = kind_of_other(Kinship(rel.kind), other_is_stored_person=rel.person_id == other.id)
            edges.append(FamilyEdge(cursor=cursor_at(offset + i), node=Person(row=other), kind=kind,
                                    sex_of_relative=Sex(other.sex), relationship=Relationship(row=rel)))
        return FamilyConnection(edges=edges, page_info=pinfo, total_count=len(rows))

    @strawberry.field
    async def households(self, info: Info, first: int = 20, after: str | None = None) -> HouseholdConnection:
        rows = await info.context.loaders.households_of.load(self.row.id)
        offset, chunk, _ = _paginate(info, first, after, rows)
        return build_connection(HouseholdConnection, HouseholdEdge, [Household(row=h) for h in chunk], offset, len(rows))


@strawberry.type(description='"person is relative\'s kind" (R1), as claimed and then verified or rejected.')
class Relationship(Node):
    row: strawberry.Private[models.Relationship]

    def key(self) -> uuid.UUID:
        return self.row.id

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.person_id, self.row.relative_id)

    @strawberry.field
    async def person(self, info: Info) -> Person:
        return Person(row=await info.context.loaders.person.load(self.row.person_id))

    @strawberry.field
    async def relative(self, info: Info) -> Person:
        return Person(row=await info.context.loaders.person.load(self.row.relative_id))

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
    node: Person
    kind: KinshipEnum = strawberry.field(description="What `node` is to the person whose family this is.")
    sex_of_relative: strawberry.Private[Sex]
    relationship: Relationship

    @strawberry.field(description="The kind in the caller's language, by the relative's sex (母亲, father...).")
    def kind_label(self, info: Info) -> str:
        return gettext(info.context.locale, kinship_label_id(self.kind, self.sex_of_relative))


@strawberry.type
class FamilyConnection:
    edges: list[FamilyEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class PersonEdge:
    cursor: str
    node: Person


@strawberry.type
class PersonConnection:
    edges: list[PersonEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class RelationshipEdge:
    cursor: str
    node: Relationship


@strawberry.type
class RelationshipConnection:
    edges: list[RelationshipEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="A named group of people one family manages together.")
class Household(Node):
    row: strawberry.Private[models.Household]

    def key(self) -> uuid.UUID:
        return self.row.id

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
    async def members(self, info: Info, first: int = 20, after: str | None = None) -> PersonConnection:
        ids = await info.context.loaders.members_of.load(self.row.id)
        offset, chunk, _ = _paginate(info, first, after, ids)
        people = await info.context.loaders.person.load_many(chunk)
        return build_connection(PersonConnection, PersonEdge, [Person(row=p) for p in people], offset, len(ids))


@strawberry.type
class HouseholdEdge:
    cursor: str
    node: Household


@strawberry.type
class HouseholdConnection:
    edges: list[HouseholdEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="A partner: designated hospital or pharmacy, or a third-party app.")
class Institution(Node):
    row: strawberry.Private[models.Institution]

    def key(self) -> uuid.UUID:
        return self.row.id

    @property
    def institution_id(self) -> uuid.UUID:
        return self.row.id

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def kind(self) -> InstitutionKindEnum:
        return InstitutionKind(self.row.kind)

    @strawberry.field(description="Hospital level 1-3; 0 where levels do not apply.")
    def level(self) -> int:
        return self.row.level

    @strawberry.field
    def region_code(self) -> str:
        return self.row.region_code

    @strawberry.field
    def region_name(self, info: Info) -> str:
        return region_name(self.row.region_code, info.context.locale)


@strawberry.type(description="An insurer staff user.")
class StaffUser(Node):
    row: strawberry.Private[models.StaffUser]

    def key(self) -> uuid.UUID:
        return self.row.id

    @property
    def staff_id(self) -> uuid.UUID:
        return self.row.id

    @strawberry.field
    def username(self) -> str:
        return self.row.username

    @strawberry.field
    def name(self) -> str:
        return self.row.name

    @strawberry.field
    def role(self) -> StaffRoleEnum:
        return StaffRole(self.row.role)


@strawberry.type
class RelationshipPayload:
    relationship: Relationship


@strawberry.type
class HouseholdPayload:
    household: Household


Viewer = Annotated[Union[Person, Institution, StaffUser], strawberry.union("Viewer")]
RelationshipResult = Annotated[Union[RelationshipPayload, OperationError], strawberry.union("RelationshipResult")]
HouseholdResult = Annotated[Union[HouseholdPayload, OperationError], strawberry.union("HouseholdResult")]

WRAPPERS = {"Person": Person, "Household": Household, "Relationship": Relationship,
            "Institution": Institution, "StaffUser": StaffUser}
