"""What makes a parameter version acceptable: ratios 0-100.00%, amounts >= 0, level 0 for every
insurance type and visit type, valid levels, a region prefix and a label; each problem names its field."""

import copy
from dataclasses import replace

import pytest

from backend.domain import parameters as rules
from backend.domain.errors import DomainError, ErrorCode
from tests.money import SAMPLES

JINAN = SAMPLES["SAMPLE Jinan 2026"]


def _ratios(change):
    ratios = copy.deepcopy(dict(JINAN.fund_ratio_bp))
    change(ratios)
    return ratios


def _found(params) -> list[tuple[ErrorCode, str]]:
    return [(p.code, p.field) for p in rules.problems(params)]


def test_every_shipped_sample_is_acceptable():
    assert all(rules.problems(p) == [] for p in SAMPLES.values())


@pytest.mark.parametrize("change, expected", [
    (dict(b_self_pay_first_bp=10001), (ErrorCode.RATIO_INVALID, "bSelfPayFirstBp")),
    (dict(b_self_pay_first_bp=-1), (ErrorCode.RATIO_INVALID, "bSelfPayFirstBp")),
    (dict(premium_fen=-1), (ErrorCode.AMOUNT_INVALID, "premiumFen")),
    (dict(deductible_fen={"employee": -100, "resident": 0}), (ErrorCode.AMOUNT_INVALID, "deductibleFen.employee")),
    (dict(annual_fund_cap_fen={"employee": 1}), (ErrorCode.AMOUNT_INVALID, "annualFundCapFen.resident")),
    (dict(region_prefix="370"), (ErrorCode.REGION_PREFIX_INVALID, "regionPrefix")),
    (dict(region_prefix=""), (ErrorCode.REGION_PREFIX_INVALID, "regionPrefix")),
    (dict(label="  "), (ErrorCode.LABEL_INVALID, "label")),
    (dict(label="x" * 81), (ErrorCode.LABEL_INVALID, "label")),
    (dict(fund_ratio_bp=_ratios(lambda r: r["resident"]["pharmacy"].pop("0"))),
     (ErrorCode.RATIO_MISSING, "fundRatioBp.resident.pharmacy.0")),
    (dict(fund_ratio_bp=_ratios(lambda r: r["employee"].pop("inpatient"))),
     (ErrorCode.RATIO_MISSING, "fundRatioBp.employee.inpatient.0")),
    (dict(fund_ratio_bp=_ratios(lambda r: r["employee"]["outpatient"].update({"2": 10001}))),
     (ErrorCode.RATIO_INVALID, "fundRatioBp.employee.outpatient.2")),
    (dict(fund_ratio_bp=_ratios(lambda r: r["employee"]["outpatient"].update({"4": 5000}))),
     (ErrorCode.LEVEL_INVALID, "fundRatioBp.employee.outpatient.4")),
    (dict(fund_ratio_bp=_ratios(lambda r: r.update({"farmer": {}}))), (ErrorCode.INVALID_INPUT, "fundRatioBp.farmer")),
])
def test_a_problem_names_its_field(change, expected):
    params = replace(JINAN, **change)
    assert _found(params) == [expected]
    with pytest.raises(DomainError) as caught:
        rules.check(params)
    assert (caught.value.code, caught.value.field) == expected


def test_the_bounds_themselves_are_accepted_and_the_label_is_trimmed():
    edge = replace(JINAN, label="  edge  ", b_self_pay_first_bp=10000, premium_fen=0,
                   fund_ratio_bp=_ratios(lambda r: r["employee"]["pharmacy"].update({"0": 0, "3": 10000})))
    assert rules.check(edge).label == "edge"


def test_every_problem_is_reported_in_the_forms_order():
    params = replace(JINAN, region_prefix="x", premium_fen=-1,
                     fund_ratio_bp=_ratios(lambda r: r["resident"]["pharmacy"].pop("0")))
    assert [f for _, f in _found(params)] == ["regionPrefix", "premiumFen", "fundRatioBp.resident.pharmacy.0"]
