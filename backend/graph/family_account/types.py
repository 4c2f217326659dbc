"""E-vouchers, bindings, the codes a phone shows and what a partner sees when it scans one."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
import datetime
import uuid
from typing import Annotated, Union

import strawberry
from strawberry.types import Info

from backend.domain.bindings import BindingStatus, ConsentMethod, guardian_decides, is_minor
from backend.domain.codes import mask_name, person_number
from backend.domain.insurance import InsuranceStatus, InsuranceType
from backend.domain.kinship import Kinship, kind_of_other
from backend.domain.regions import region_name
from backend.domain.relationships import RelationshipStatus
from backend.graph.core import refs
from backend.graph.core.enums import InsuranceTypeEnum, KinshipEnum
from backend.graph.core.errors import OperationError
from backend.graph.core.loaders import load_many_primed_first, now_or_later
from backend.graph.core.node import Node, register
from backend.graph.core.pagination import Connection, oldest_first, paginate
from backend.graph.core.wrappers import Wrapper
from backend.qr import qr_svg
from backend.services.family_account import codes
from backend.storage import models

BindingStatusEnum = strawberry.enum(BindingStatus, name="BindingStatus")
ConsentMethodEnum = strawberry.enum(ConsentMethod, name="ConsentMethod")


@strawberry.type(description="A medical e-voucher (医保电子凭证): nobody can show a code until it is activated.")
class Voucher:
    person_id: strawberry.Private[uuid.UUID]
    activated_at: datetime.datetime | None
    # The guardian who just activated it reads it back in the payload (before any binding exists).
    activated_by_guardian: strawberry.Private[bool] = False

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.person_id,)

    @strawberry.field
    def activated(self) -> bool:
        return self.activated_at is not None


@strawberry.type(description="A minor child whose guardian this person is (a parent whose relationship staff have "
                                    "verified): the guardian activates the child's e-voucher, then binds the child at once.")
class Ward:
    row: strawberry.Private[models.Person]
    activated: strawberry.Private[bool]

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.id,)

    @strawberry.field
    def person(self) -> refs.Person:
        return refs.person(self.row)

    @strawberry.field(description="Whether the child's medical e-voucher is activated.")
    def voucher_activated(self) -> bool:
        return self.activated


@register("binding")
@strawberry.type(description="A family-account binding (亲情账户): the holder's phone may show the subject's code.")
class Binding(Node):
    row: strawberry.Private[models.Binding]

    def subject_ids(self) -> tuple[uuid.UUID, ...]:
        return (self.row.holder_id, self.row.subject_id)

    @strawberry.field
    def holder(self, info: Info) -> refs.Person:
        return now_or_later(info.context.loaders.person, self.row.holder_id, refs.person)

    @strawberry.field
    def subject(self, info: Info) -> refs.Person:
        return now_or_later(info.context.loaders.person, self.row.subject_id, refs.person)

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
    async def scopes_decided_by(self, info: Info) -> refs.Person:
        subject = await info.context.loaders.person.load(self.row.subject_id)
        today = info.context.rt.clock.now().date()
        if guardian_decides(self.row.consent_via, subject.birth_date, today):
            return refs.person(await info.context.loaders.person.load(self.row.holder_id))
        return refs.person(subject)

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
class PersonBindingFields:
    """Person.voucher, Person.heldBindings and Person.subjectBindings."""

    row: strawberry.Private[models.Person]

    @strawberry.field(description="The medical e-voucher (医保电子凭证).")
    async def voucher(self, info: Info) -> Voucher | None:
        row = await info.context.loaders.voucher.load(self.row.id)
        return Voucher(person_id=self.row.id, activated_at=row.activated_at if row else None)

    @strawberry.field(description="Minor children this person is the guardian of (a verified parent), with their "
                                  "e-voucher's state.")
    async def wards(self, info: Info) -> list[Ward]:
        loaders, today = info.context.loaders, info.context.rt.clock.now().date()
        relationships = await loaders.relationships_of.load(self.row.id)
        children = [r.person_id if r.relative_id == self.row.id else r.relative_id for r in relationships
                    if r.status == RelationshipStatus.VERIFIED
                    and kind_of_other(Kinship(r.kind), other_is_stored_person=r.relative_id == self.row.id)
                    is Kinship.CHILD]
        people = await load_many_primed_first(loaders.person, children)  # the viewer's relatives are primed
        minors = [p for p in people if p and is_minor(p.birth_date, today)]
        vouchers = await loaders.voucher.load_many([p.id for p in minors])
        return [Ward(row=p, activated=v is not None) for p, v in zip(minors, vouchers, strict=True)]

    @strawberry.field(description="Family-account bindings this person holds (pending and active).")
    async def held_bindings(self, info: Info, first: int = 20, after: str | None = None) -> Connection[Binding] | None:
        rows = await info.context.loaders.bindings_held.load(self.row.id)
        return paginate(info.context, rows, first, after, lambda b: Binding(row=b),
                        key=lambda b: oldest_first(b.requested_at, b.id))

    @strawberry.field(description="Family-account bindings over this person (pending and active).")
    async def subject_bindings(self, info: Info, first: int = 20,
                               after: str | None = None) -> Connection[Binding] | None:
        rows = await info.context.loaders.bindings_of_subject.load(self.row.id)
        return paginate(info.context, rows, first, after, lambda b: Binding(row=b),
                        key=lambda b: oldest_first(b.requested_at, b.id))


@strawberry.type(description="A code to show at a counter: single-use, short-lived, for (subject, presenter).")
class IssuedCode:
    issued: strawberry.Private[codes.NewCode]

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
    def subject(self) -> refs.Person:
        return refs.person(self.issued.subject)

    @strawberry.field
    def presenter(self) -> refs.Person:
        return refs.person(self.issued.presenter)


@strawberry.type(description="The insured person a scanned code is for, as a partner sees them.")
class CodeSubject:
    resolved: strawberry.Private[codes.ResolvedCode]

    @strawberry.field(description="张*伟: enough to match the person at the counter.")
    def masked_name(self) -> str:
        return mask_name(self.resolved.subject.name)

    @strawberry.field(description="This partner's number for the person (20 characters): the same whenever you "
                                  "scan their code, different for every other partner, not derived from anything "
                                  "you could read. The HSA gateway's psn_no.")
    def person_number(self, info: Info) -> str:
        return person_number(info.context.rt.code_key, info.context.principal.id.bytes, self.resolved.subject.id.bytes)

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


@strawberry.type(description="A code I showed: still live, or used, and the settlement made with it.")
class ShownCode:
    status: str = strawberry.field(description="live, used, revoked (its binding ended) or expired")
    settlement: refs.Settlement | None


@strawberry.type
class VoucherPayload(Wrapper):
    voucher: Voucher


@strawberry.type
class BindingPayload(Wrapper):
    binding: Binding


@strawberry.type
class IssuedCodePayload(Wrapper):
    issued_code: IssuedCode


VoucherResult = Annotated[Union[VoucherPayload, OperationError], strawberry.union("VoucherResult")]
BindingResult = Annotated[Union[BindingPayload, OperationError], strawberry.union("BindingResult")]
IssueCodeResult = Annotated[Union[IssuedCodePayload, OperationError], strawberry.union("IssueCodeResult")]
ResolveCodeResult = Annotated[Union[ResolvedCode, OperationError], strawberry.union("ResolveCodeResult")]
