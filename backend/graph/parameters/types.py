"""A version of a region's settlement parameters, as staff read it."""

# No `from __future__ import annotations` here: strawberry resolves the annotations of these types.
import datetime
from typing import Annotated, Union

import strawberry
from strawberry.types import Info

from backend.domain.insurance import InsuranceType
from backend.domain.settlement import VisitType
from backend.graph.core.enums import InsuranceTypeEnum, VisitTypeEnum
from backend.graph.core.errors import OperationError
from backend.graph.core.ids import to_global_id
from backend.graph.core.scalars import Fen
from backend.graph.core.wrappers import Wrapper
from backend.services.region.parameters import Version

TYPE_NAME = "ParameterVersion"


@strawberry.type(description="What one insurance type's members carry per calendar year under a version.")
class ParameterAmounts:
    insurance_type: InsuranceTypeEnum
    deductible_fen: Fen = strawberry.field(description="Annual deductible (起付线).")
    annual_fund_cap_fen: Fen = strawberry.field(description="The most the fund pays per person and year.")


@strawberry.type(description="The fund's share for one insurance type, visit type and institution level.")
class FundRatio:
    insurance_type: InsuranceTypeEnum
    visit_type: VisitTypeEnum
    level: int = strawberry.field(description="Institution level 1-3; 0 is the default for any other.")
    ratio_bp: int = strawberry.field(description="Basis points: 7000 is 70.00%.")


@strawberry.type(description="One version of a region's settlement parameters (R7, R12), in force from "
                             "`effectiveFrom` until the next version of the same prefix. Never changed once a "
                             "settlement used it (`inUse`).")
class ParameterVersion:
    version: strawberry.Private[Version]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id(TYPE_NAME, self.version.id)

    @strawberry.field(description='"37" Shandong, "3701" Jinan, or a full region code.')
    def region_prefix(self) -> str:
        return self.version.params.region_prefix

    @strawberry.field
    def effective_from(self) -> datetime.date:
        return self.version.params.effective_from

    @strawberry.field
    def label(self) -> str:
        return self.version.params.label

    @strawberry.field(description="乙类 self-pay-first share, in basis points.")
    def b_self_pay_first_bp(self) -> int:
        return self.version.params.b_self_pay_first_bp

    @strawberry.field(description="Resident premium (individual part) for a year whose 1 January falls in this "
                                  "version.")
    def premium_fen(self) -> Fen:
        return self.version.params.premium_fen

    @strawberry.field
    def amounts(self) -> list[ParameterAmounts]:
        p = self.version.params
        return [ParameterAmounts(insurance_type=t, deductible_fen=p.deductible_fen[t.value],
                                 annual_fund_cap_fen=p.annual_fund_cap_fen[t.value]) for t in InsuranceType]

    @strawberry.field(description="Every ratio given, by insurance type, visit type and level.")
    def fund_ratios(self) -> list[FundRatio]:
        by_type = self.version.params.fund_ratio_bp
        return [FundRatio(insurance_type=t, visit_type=v, level=int(level), ratio_bp=ratio)
                for t in InsuranceType for v in VisitType
                for level, ratio in sorted(by_type.get(t.value, {}).get(v.value, {}).items())]

    @strawberry.field(description="Whether a settlement used it: then it can no longer be changed.")
    def in_use(self) -> bool:
        return self.version.in_use

    @strawberry.field(description="The staff member who created it; null when imported from a file.")
    async def created_by_name(self, info: Info) -> str | None:
        if self.version.created_by is None:
            return None
        staff = await info.context.loaders.staff.load(self.version.created_by)
        return staff.name if staff else None

    @strawberry.field
    def created_at(self) -> datetime.datetime:
        return self.version.created_at


@strawberry.type
class ParameterVersionPayload(Wrapper):
    version: ParameterVersion


ParameterVersionResult = Annotated[Union[ParameterVersionPayload, OperationError],
                                   strawberry.union("ParameterVersionResult")]
