"""Enums of the graph that more than one domain package shows (each wraps the domain's own enum)."""

from __future__ import annotations

import strawberry

from backend.domain.idnumber import Sex
from backend.domain.insurance import InsuranceStatus, InsuranceType
from backend.domain.kinship import Kinship
from backend.domain.settlement import VisitType
from backend.principals import InstitutionKind, StaffRole

SexEnum = strawberry.enum(Sex, name="Sex")
InsuranceTypeEnum = strawberry.enum(InsuranceType, name="InsuranceType")
InsuranceStatusEnum = strawberry.enum(InsuranceStatus, name="InsuranceStatus")
KinshipEnum = strawberry.enum(Kinship, name="Kinship", description="Near relatives under rule R1.")
VisitTypeEnum = strawberry.enum(VisitType, name="VisitType")
InstitutionKindEnum = strawberry.enum(InstitutionKind, name="InstitutionKind")
StaffRoleEnum = strawberry.enum(StaffRole, name="StaffRole")
