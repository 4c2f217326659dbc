"""What makes a settlement-parameter version acceptable (R7, R12). Pure: a `Parameters` in, the
problems found out, each naming the input field it concerns.

Field names are paths a form and a GraphQL caller both use: `deductibleFen.employee`,
`annualFundCapFen.resident`, `fundRatioBp.employee.outpatient.0`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.insurance import InsuranceType
from backend.domain.money import BP
from backend.domain.regions import validate_region_prefix
from backend.domain.settlement import Parameters, VisitType
from backend.domain.text import has_control_characters

LEVELS = ("0", "1", "2", "3")  # "0": the default, for institutions without a level and for levels not given
LABEL_MAX = 80
MAX_AMOUNT_FEN = 100_000_000_00  # one hundred million yuan: beyond it is a typo
FAR_AHEAD_YEARS = 2  # an effective date further ahead than this is likely a typo: refused unless confirmed


def ratio_field(insurance_type: str, visit_type: str, level: str) -> str:
    return f"fundRatioBp.{insurance_type}.{visit_type}.{level}"


def _amount(value: int, field: str) -> list[DomainError]:
    ok = isinstance(value, int) and 0 <= value <= MAX_AMOUNT_FEN
    return [] if ok else [DomainError(ErrorCode.AMOUNT_INVALID, field=field)]


def _ratio(value: int, field: str) -> list[DomainError]:
    ok = isinstance(value, int) and 0 <= value <= BP
    return [] if ok else [DomainError(ErrorCode.RATIO_INVALID, field=field)]


def _ratios(params: Parameters) -> list[DomainError]:
    problems = []
    types = {t.value for t in InsuranceType}
    visits = {v.value for v in VisitType}
    for insurance_type, by_visit in params.fund_ratio_bp.items():
        if insurance_type not in types or any(v not in visits for v in by_visit):
            problems.append(DomainError(ErrorCode.INVALID_INPUT, field=f"fundRatioBp.{insurance_type}"))
    for insurance_type in InsuranceType:
        for visit_type in VisitType:
            by_level = params.fund_ratio_bp.get(insurance_type.value, {}).get(visit_type.value, {})
            if "0" not in by_level:
                problems.append(DomainError(ErrorCode.RATIO_MISSING,
                                            field=ratio_field(insurance_type.value, visit_type.value, "0")))
            for level, ratio in by_level.items():
                field = ratio_field(insurance_type.value, visit_type.value, level)
                if level not in LEVELS:
                    problems.append(DomainError(ErrorCode.LEVEL_INVALID, field=field))
                else:
                    problems += _ratio(ratio, field)
    return problems


def problems(params: Parameters) -> list[DomainError]:
    """Every problem with a version, in the order of the form's fields; empty when it is acceptable."""
    found: list[DomainError] = []
    try:
        validate_region_prefix(params.region_prefix)
    except DomainError as problem:
        found.append(problem)
    label = params.label.strip()
    if not label or len(label) > LABEL_MAX or has_control_characters(label):
        found.append(DomainError(ErrorCode.LABEL_INVALID, field="label", max=LABEL_MAX))
    found += _ratio(params.b_self_pay_first_bp, "bSelfPayFirstBp")
    found += _amount(params.premium_fen, "premiumFen")
    for insurance_type in InsuranceType:
        found += _amount(params.deductible_fen.get(insurance_type.value, -1), f"deductibleFen.{insurance_type.value}")
        found += _amount(params.annual_fund_cap_fen.get(insurance_type.value, -1),
                         f"annualFundCapFen.{insurance_type.value}")
    return found + _ratios(params)


def check(params: Parameters) -> Parameters:
    """The version, its label trimmed; the first problem is raised."""
    found = problems(params)
    if found:
        raise found[0]
    return replace(params, label=params.label.strip())


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_effective_date(effective_from: date, *, today: date, settled_until: date | None,
                         far_ahead_confirmed: bool) -> None:
    """A new version may not take effect on a day already settled in its region (`settled_until`, the
    latest service date settled there), or that day would be settled under two sets of rules; and a date
    more than FAR_AHEAD_YEARS ahead of `today` is taken only when confirmed."""
    if settled_until is not None and effective_from <= settled_until:
        raise DomainError(ErrorCode.EFFECTIVE_DATE_TOO_EARLY, field="effectiveFrom", date=settled_until.isoformat())
    if effective_from > _years_after(today, FAR_AHEAD_YEARS) and not far_ahead_confirmed:
        raise DomainError(ErrorCode.EFFECTIVE_DATE_FAR_AHEAD, field="effectiveFrom",
                          date=effective_from.isoformat(), years=FAR_AHEAD_YEARS)
