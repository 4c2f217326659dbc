"""Admins create a parameter version (or correct one no settlement has used yet)."""

import datetime

import strawberry
from strawberry.types import Info

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.parameters import ratio_field
from backend.domain.settlement import Parameters
from backend.graph.core.enums import InsuranceTypeEnum, VisitTypeEnum
from backend.graph.core.mutations import attempt
from backend.graph.core.scalars import Fen
from backend.graph.parameters.types import ParameterVersion, ParameterVersionPayload, ParameterVersionResult
from backend.services.region import parameters


@strawberry.input
class ParameterAmountsInput:
    insurance_type: InsuranceTypeEnum
    deductible_fen: Fen
    annual_fund_cap_fen: Fen


@strawberry.input
class FundRatioInput:
    insurance_type: InsuranceTypeEnum
    visit_type: VisitTypeEnum
    level: int = strawberry.field(description="0 (the default, required), or 1-3.")
    ratio_bp: int = strawberry.field(description="0-10000 basis points (0-100.00%).")


@strawberry.input(description="A version; refusals name the field: regionPrefix, effectiveFrom, label, "
                              "bSelfPayFirstBp, premiumFen, deductibleFen.<type>, annualFundCapFen.<type>, "
                              "fundRatioBp.<type>.<visit>.<level>.")
class ParameterVersionInput:
    region_prefix: str = strawberry.field(description='"37", "3701" or a full region code.')
    effective_from: datetime.date = strawberry.field(
        description="After the latest service date already settled in this region (EFFECTIVE_DATE_TOO_EARLY); "
                    "more than two years ahead only with confirmFarAhead (EFFECTIVE_DATE_FAR_AHEAD).")
    label: str
    b_self_pay_first_bp: int
    premium_fen: Fen
    amounts: list[ParameterAmountsInput] = strawberry.field(description="One per insurance type.")
    fund_ratios: list[FundRatioInput] = strawberry.field(
        description="For every insurance type and visit type at least level 0.")
    confirm_far_ahead: bool = strawberry.field(
        default=False, description="The effective date is more than two years ahead, and that is meant.")

    def to_parameters(self) -> Parameters:
        deductible, cap = {}, {}
        for a in self.amounts:
            if a.insurance_type.value in deductible:
                raise DomainError(ErrorCode.INVALID_INPUT, field=f"deductibleFen.{a.insurance_type.value}")
            deductible[a.insurance_type.value] = a.deductible_fen
            cap[a.insurance_type.value] = a.annual_fund_cap_fen
        ratios: dict[str, dict[str, dict[str, int]]] = {}
        for r in self.fund_ratios:
            by_level = ratios.setdefault(r.insurance_type.value, {}).setdefault(r.visit_type.value, {})
            if str(r.level) in by_level:
                raise DomainError(ErrorCode.INVALID_INPUT,
                                  field=ratio_field(r.insurance_type.value, r.visit_type.value, str(r.level)))
            by_level[str(r.level)] = r.ratio_bp
        return Parameters(label=self.label, effective_from=self.effective_from, region_prefix=self.region_prefix,
                          b_self_pay_first_bp=self.b_self_pay_first_bp, premium_fen=self.premium_fen,
                          deductible_fen=deductible, annual_fund_cap_fen=cap, fund_ratio_bp=ratios)


@strawberry.type
class ParametersMutation:
    @strawberry.mutation(description="Admins: a new version of a region's settlement parameters from a date. A "
                                     "version of the same prefix and date is replaced while no settlement used it; "
                                     "once used it is refused (PARAMETERS_IN_USE).")
    async def create_parameter_version(self, info: Info, input: ParameterVersionInput) -> ParameterVersionResult:
        def work(rt, actor):
            return parameters.create_version(rt, actor, input.to_parameters(),
                                             far_ahead_confirmed=input.confirm_far_ahead)
        return await attempt(info, work, lambda version: ParameterVersionPayload(version=ParameterVersion(version=version)))
