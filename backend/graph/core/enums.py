"""Enums of the graph that more than one domain package shows (each wraps the domain's own enum)."""

from __future__ import annotations

import strawberry

from backend.domain.catalogue import ItemClass, ItemKind
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
# The catalogue's (R18): shown by the catalogue package and by settlement lines.
ItemKindEnum = strawberry.enum(ItemKind, name="CatalogueItemKind", description="drug (药品), service (医疗服务项目) "
                                                                            "or consumable (医用耗材).")
ItemClassEnum = strawberry.enum(ItemClass, name="CatalogueItemClass", description="A (甲类: covered), B (乙类: "
                                                                              "covered after a self-pay-first "
                                                                              "share) or C (丙类: all personal "
                                                                              "burden).")
