"""A person's own fields, their insurance and personal account; institutions and staff users."""

from __future__ import annotations

import datetime
import uuid

import strawberry
from strawberry.types import Info

from backend.domain.idnumber import Sex
from backend.domain.insurance import InsuranceStatus, InsuranceType
from backend.domain.regions import district_name, region_name
from backend.graph.core.enums import (
    InstitutionKindEnum,
    InsuranceStatusEnum,
    InsuranceTypeEnum,
    SexEnum,
    StaffRoleEnum,
)
from backend.graph.core.loaders import now_or_later
from backend.graph.core.node import Node, register
from backend.graph.core.scalars import Fen
from backend.principals import InstitutionKind, StaffRole
from backend.storage import models


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

    @strawberry.field(description="The district or county of a Shandong region code (历下区 for 370102); null for a "
                                  "city's own code and outside Shandong.")
    def district_name(self, info: Info) -> str | None:
        return district_name(self.row.region_code, info.context.locale)

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


@strawberry.type
class PersonFields(Node):
    """Person's own fields; `backend.graph.composed.Person` adds each domain's fields to them."""

    row: strawberry.Private[models.Person]

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
    def insurance(self, info: Info) -> Insurance | None:
        return now_or_later(info.context.loaders.enrolment, self.row.id, lambda row: Insurance(row=row) if row else None)

    @strawberry.field(description="Self, staff, and holders of a binding with view_account.")
    def personal_account(self, info: Info) -> PersonalAccount | None:
        return now_or_later(info.context.loaders.account, self.row.id,
                            lambda row: PersonalAccount(row=row) if row else None)


@strawberry.type
class InstitutionFields(Node):
    """Institution's own fields; `backend.graph.composed.Institution` adds its settlements."""

    row: strawberry.Private[models.Institution]

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


@register("staff")
@strawberry.type(description="An insurer staff user.")
class StaffUser(Node):
    row: strawberry.Private[models.StaffUser]

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

    @strawberry.field(description="False once disabled: a disabled user cannot sign in.")
    def active(self) -> bool:
        return self.row.active
