"""Object types of the graph. Each wraps a stored row; the gate decides who sees which field."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Annotated, Union

import strawberry
from strawberry.relay import GlobalID
from strawberry.types import Info

from backend.domain.bindings import BindingStatus, ConsentMethod, guardian_decides
from backend.domain.codes import mask_name
from backend.domain.idnumber import Sex
from backend.domain.insurance import InsuranceStatus, InsuranceType
from backend.domain.kinship import Kinship, kind_of_other, kinship_label_id
from backend.domain.regions import region_name
from backend.graph.errors import OperationError
from backend.graph.pagination import PageInfo, build_connection, cursor_at, page_info, requested_window
from backend.graph.scalars import Fen
from backend.i18n import gettext
from backend.principals import InstitutionKind, StaffRole
from backend.qr import qr_svg
from backend.services import codes
from backend.services.family import RelationshipStatus, VerificationMethod
from backend.storage import models

if TYPE_CHECKING:
    from backend.graph.mutual_aid import GrantConnection, LedgerEntryConnection, PayerOrder, SettlementConnection

SexEnum = strawberry.enum(Sex, name="Sex")
InsuranceTypeEnum = strawberry.enum(InsuranceType, name="InsuranceType")
InsuranceStatusEnum = strawberry.enum(InsuranceStatus, name="InsuranceStatus")
KinshipEnum = strawberry.enum(Kinship, name="Kinship", description="Near relatives under rule R1.")
RelationshipStatusEnum = strawberry.enum(RelationshipStatus, name="RelationshipStatus")
VerificationMethodEnum = strawberry.enum(VerificationMethod, name="VerificationMethod")
InstitutionKindEnum = strawberry.enum(InstitutionKind, name="InstitutionKind")
StaffRoleEnum = strawberry.enum(StaffRole, name="StaffRole")
BindingStatusEnum = strawberry.enum(BindingStatus, name="BindingStatus")
ConsentMethodEnum = strawberry.enum(ConsentMethod, name="ConsentMethod")


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

    @strawberry.field(description="Self, staff, and holders of a binding with view_insurance.")
    def status(self) -> InsuranceStatusEnum | None:
        return InsuranceStatus(self.row.status)


@strawberry.type(description="An employee's personal medical account (个人账户).")
class PersonalAccount:
    row: strawberry.Private[models.PersonalAccount]

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.person_id,)

    @strawberry.field(description="Balance in integer fen (1 yuan = 100 fen).")
    def balance_fen(self) -> Fen:
        return self.row.balance_fen


@strawberry.type(description="A medical e-voucher (医保电子凭证): nobody can show a code until it is activated.")
class Voucher:
    person_id: strawberry.Private[uuid.UUID]
    activated_at: datetime.datetime | None

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.person_id,)

    @strawberry.field
    def activated(self) -> bool:
        return self.activated_at is not None


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

    @strawberry.field(description="Self, staff, and holders of a binding with view_account.")
    async def personal_account(self, info: Info) -> PersonalAccount | None:
        row = await info.context.loaders.account.load(self.row.id)
        return PersonalAccount(row=row) if row else None

    @strawberry.field(description="The medical e-voucher (医保电子凭证).")
    async def voucher(self, info: Info) -> Voucher | None:
        row = await info.context.loaders.voucher.load(self.row.id)
        return Voucher(person_id=self.row.id, activated_at=row.activated_at if row else None)

    @strawberry.field(description="Family mutual aid this person gives (as grantor).")
    async def grants_given(self, info: Info, first: int = 20, after: str | None = None) -> Annotated[
            "GrantConnection", strawberry.lazy("backend.graph.mutual_aid")] | None:
        from backend.graph import mutual_aid
        return await mutual_aid.person_grants_given(self, info, first, after)

    @strawberry.field(description="Family mutual aid this person receives (as grantee).")
    async def grants_received(self, info: Info, first: int = 20, after: str | None = None) -> Annotated[
            "GrantConnection", strawberry.lazy("backend.graph.mutual_aid")] | None:
        from backend.graph import mutual_aid
        return await mutual_aid.person_grants_received(self, info, first, after)

    @strawberry.field(description="Who pays this person's personal burden, in order (R8).")
    async def payer_order(self, info: Info) -> Annotated[
            "PayerOrder", strawberry.lazy("backend.graph.mutual_aid")] | None:
        from backend.graph import mutual_aid
        return await mutual_aid.person_payer_order(self, info)

    @strawberry.field(description="Bills settled for this person, newest first.")
    async def settlements(self, info: Info, first: int = 20, after: str | None = None) -> Annotated[
            "SettlementConnection", strawberry.lazy("backend.graph.mutual_aid")] | None:
        from backend.graph import mutual_aid
        return await mutual_aid.person_settlements(self, info, first, after)

    @strawberry.field(description="Movements on this person's personal account, newest first.")
    async def ledger(self, info: Info, first: int = 20, after: str | None = None) -> Annotated[
            "LedgerEntryConnection", strawberry.lazy("backend.graph.mutual_aid")] | None:
        from backend.graph import mutual_aid
        return await mutual_aid.person_ledger(self, info, first, after)

    @strawberry.field(description="Family-account bindings this person holds (pending and active).")
    async def held_bindings(self, info: Info, first: int = 20, after: str | None = None) -> BindingConnection | None:
        rows = await info.context.loaders.bindings_held.load(self.row.id)
        offset, chunk, _ = _paginate(info, first, after, rows)
        return build_connection(BindingConnection, BindingEdge, [Binding(row=b) for b in chunk], offset, len(rows))

    @strawberry.field(description="Family-account bindings over this person (pending and active).")
    async def subject_bindings(self, info: Info, first: int = 20,
                               after: str | None = None) -> BindingConnection | None:
        rows = await info.context.loaders.bindings_of_subject.load(self.row.id)
        offset, chunk, _ = _paginate(info, first, after, rows)
        return build_connection(BindingConnection, BindingEdge, [Binding(row=b) for b in chunk], offset, len(rows))

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

    @strawberry.field(description="Who made the claim (only they may withdraw it while it waits).")
    async def claimed_by(self, info: Info) -> Person | None:
        if self.row.claimed_by is None:
            return None
        return Person(row=await info.context.loaders.person.load(self.row.claimed_by))

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

    @strawberry.field(description="Settlements this institution made, newest first.")
    async def settlements(self, info: Info, first: int = 20, after: str | None = None) -> Annotated[
            "SettlementConnection", strawberry.lazy("backend.graph.mutual_aid")] | None:
        from backend.graph import mutual_aid
        return await mutual_aid.institution_settlements(self, info, first, after)


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


@strawberry.type(description="A family-account binding (亲情账户): the holder's phone may show the subject's code.")
class Binding(Node):
    row: strawberry.Private[models.Binding]

    def key(self) -> uuid.UUID:
        return self.row.id

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.holder_id, self.row.subject_id)

    @strawberry.field
    async def holder(self, info: Info) -> Person:
        return Person(row=await info.context.loaders.person.load(self.row.holder_id))

    @strawberry.field
    async def subject(self, info: Info) -> Person:
        return Person(row=await info.context.loaders.person.load(self.row.subject_id))

    @strawberry.field
    def status(self) -> BindingStatusEnum:
        return BindingStatus(self.row.status)

    @strawberry.field(description="Always true: a binding exists to show the code.")
    def show_code(self) -> bool:
        return True

    @strawberry.field
    def view_insurance(self) -> bool:
        return self.row.view_insurance

    @strawberry.field
    def view_account(self) -> bool:
        return self.row.view_account

    @strawberry.field(description="How the bound person consented, or that a guardian bound a minor.")
    def consent_via(self) -> ConsentMethodEnum | None:
        return ConsentMethod(self.row.consent_via) if self.row.consent_via else None

    @strawberry.field(description="Who may change the scopes: the bound person, or for a minor the guardian.")
    async def scopes_decided_by(self, info: Info) -> Person:
        subject = await info.context.loaders.person.load(self.row.subject_id)
        today = info.context.rt.clock.now().date()
        if guardian_decides(self.row.consent_via, subject.birth_date, today):
            return Person(row=await info.context.loaders.person.load(self.row.holder_id))
        return Person(row=subject)

    @strawberry.field
    def requested_at(self) -> datetime.datetime:
        return self.row.requested_at

    @strawberry.field
    def decided_at(self) -> datetime.datetime | None:
        return self.row.decided_at

    @strawberry.field
    def ended_at(self) -> datetime.datetime | None:
        return self.row.ended_at


@strawberry.type
class BindingEdge:
    cursor: str
    node: Binding


@strawberry.type
class BindingConnection:
    edges: list[BindingEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="A code to show at a counter: single-use, short-lived, for (subject, presenter).")
class IssuedCode:
    issued: strawberry.Private[codes.IssuedCode]

    @strawberry.field(description="The code's text (QR alphanumeric), for scanning or typing.")
    def text(self) -> str:
        return self.issued.text

    @strawberry.field
    def expires_at(self) -> datetime.datetime:
        return self.issued.expires_at

    @strawberry.field
    def ttl_seconds(self, info: Info) -> int:
        return info.context.rt.settings.code_ttl_seconds

    @strawberry.field(description="The QR image as inline SVG markup.")
    def qr_svg(self) -> str:
        return qr_svg(self.issued.text)

    @strawberry.field
    def subject(self) -> Person:
        return Person(row=self.issued.subject)

    @strawberry.field
    def presenter(self) -> Person:
        return Person(row=self.issued.presenter)


@strawberry.type(description="The insured person a scanned code is for, as a partner sees them.")
class CodeSubject:
    resolved: strawberry.Private[codes.ResolvedCode]

    @strawberry.field(description="张*伟: enough to match the person at the counter.")
    def masked_name(self) -> str:
        return mask_name(self.resolved.subject.name)

    @strawberry.field
    def insurance_type(self) -> InsuranceTypeEnum | None:
        enrolment = self.resolved.enrolment
        return InsuranceType(enrolment.insurance_type) if enrolment else None

    @strawberry.field
    def region_code(self) -> str | None:
        return self.resolved.enrolment.region_code if self.resolved.enrolment else None

    @strawberry.field
    def region_name(self, info: Info) -> str | None:
        enrolment = self.resolved.enrolment
        return region_name(enrolment.region_code, info.context.locale) if enrolment else None

    @strawberry.field
    def insurance_active(self) -> bool:
        enrolment = self.resolved.enrolment
        return enrolment is not None and enrolment.status == InsuranceStatus.ACTIVE


@strawberry.type(description="Whose phone showed the code: the subject, or a family-account holder.")
class CodePresenter:
    resolved: strawberry.Private[codes.ResolvedCode]

    @strawberry.field
    def is_subject(self) -> bool:
        return self.resolved.presenter.id == self.resolved.subject.id

    @strawberry.field
    def masked_name(self) -> str:
        return mask_name(self.resolved.presenter.name)

    @strawberry.field(description="What the presenter is to the subject (e.g. CHILD); null when self.")
    def relationship_to_subject(self) -> KinshipEnum | None:
        return self.resolved.presenter_is


@strawberry.type(description="What a scanned code shows a partner. Resolving does not use the code up.")
class ResolvedCode:
    resolved: strawberry.Private[codes.ResolvedCode]

    @strawberry.field
    def subject(self) -> CodeSubject:
        return CodeSubject(resolved=self.resolved)

    @strawberry.field
    def presented_by(self) -> CodePresenter:
        return CodePresenter(resolved=self.resolved)

    @strawberry.field
    def expires_at(self) -> datetime.datetime:
        return self.resolved.code.expires_at


@strawberry.type(description="A cap a region sets (R4); absent means no cap.")
class PolicyLimit:
    name: str
    region_prefix: str
    value: int | None


@strawberry.type
class VoucherPayload:
    voucher: Voucher


@strawberry.type
class BindingPayload:
    binding: Binding


@strawberry.type
class IssuedCodePayload:
    issued_code: IssuedCode


@strawberry.type
class PolicyLimitPayload:
    limit: PolicyLimit


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

    @strawberry.field(description="web, console, graphql or cli")
    def channel(self) -> str:
        return self.row.channel

    @strawberry.field
    async def subject(self, info: Info) -> Person | None:
        if self.row.subject_person_id is None:
            return None
        return Person(row=await info.context.loaders.person.load(self.row.subject_person_id))

    @strawberry.field(description="Details as JSON.")
    def detail(self) -> str:
        return self.row.detail


@strawberry.type
class AuditEventEdge:
    cursor: str
    node: AuditEvent


@strawberry.type
class AuditEventConnection:
    edges: list[AuditEventEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class ClaimWithdrawn:
    relationship_id: strawberry.ID


@strawberry.type
class RelationshipPayload:
    relationship: Relationship


@strawberry.type
class HouseholdPayload:
    household: Household | None = strawberry.field(description="Null when you have just left it.")


Viewer = Annotated[Union[Person, Institution, StaffUser], strawberry.union("Viewer")]
RelationshipResult = Annotated[Union[RelationshipPayload, OperationError], strawberry.union("RelationshipResult")]
HouseholdResult = Annotated[Union[HouseholdPayload, OperationError], strawberry.union("HouseholdResult")]
WithdrawClaimResult = Annotated[Union[ClaimWithdrawn, OperationError], strawberry.union("WithdrawClaimResult")]
VoucherResult = Annotated[Union[VoucherPayload, OperationError], strawberry.union("VoucherResult")]
BindingResult = Annotated[Union[BindingPayload, OperationError], strawberry.union("BindingResult")]
IssueCodeResult = Annotated[Union[IssuedCodePayload, OperationError], strawberry.union("IssueCodeResult")]
ResolveCodeResult = Annotated[Union[ResolvedCode, OperationError], strawberry.union("ResolveCodeResult")]
PolicyLimitResult = Annotated[Union[PolicyLimitPayload, OperationError], strawberry.union("PolicyLimitResult")]

WRAPPERS = {"Person": Person, "Household": Household, "Relationship": Relationship,
            "Institution": Institution, "StaffUser": StaffUser, "Binding": Binding}
