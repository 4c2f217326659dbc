"""Settlement parameters through the graph: admins create versions (typed errors per field), staff
read the history and the version in force, a settlement names the version it used."""

import copy
from datetime import date

import pytest

from backend.services.family_account import codes
from backend.storage.models import ParameterSet
from tests.helpers import actor_of, count, gql, staff
from tests.money import jinan_family, map_lines

CREATE = """mutation($input: ParameterVersionInput!) { createParameterVersion(input: $input) {
  __typename ... on OperationError { code field message }
  ... on ParameterVersionPayload { version { id regionPrefix effectiveFrom label bSelfPayFirstBp premiumFen inUse
    createdByName amounts { insuranceType deductibleFen annualFundCapFen }
    fundRatios { insuranceType visitType level ratioBp } } } } }"""

VERSIONS = """query($prefix: String) { parameterVersions(regionPrefix: $prefix) {
  id label effectiveFrom inUse createdByName } }"""

IN_FORCE = """query($region: String!, $on: Date!) { parametersInForce(regionCode: $region, on: $on) { id label } }"""

SETTLE = """mutation($input: SettleInput!) { settle(input: $input) {
  __typename ... on OperationError { code field }
  ... on SettlementPayload { settlement { fundFen parametersId parametersLabel } } } }"""

VERSION = {
    "regionPrefix": "3701", "effectiveFrom": "2026-02-01", "label": "济南 2026年2月起", "bSelfPayFirstBp": 1000,
    "premiumFen": 40000,
    "amounts": [{"insuranceType": "EMPLOYEE", "deductibleFen": 0, "annualFundCapFen": 40000000},
                {"insuranceType": "RESIDENT", "deductibleFen": 10000, "annualFundCapFen": 25000000}],
    "fundRatios": [{"insuranceType": t, "visitType": v, "level": 0, "ratioBp": 9000 if t == "EMPLOYEE" else 5000}
                   for t in ("EMPLOYEE", "RESIDENT") for v in ("OUTPATIENT", "INPATIENT", "PHARMACY")]
    + [{"insuranceType": "EMPLOYEE", "visitType": "INPATIENT", "level": 3, "ratioBp": 8525}],
}


@pytest.fixture
def admin(rt):
    return staff(rt, "admin", "paramadmin")


def _create(rt, who, **change):
    version = copy.deepcopy(VERSION)
    version.update(change)
    return gql(rt, who, CREATE, input=version).data["createParameterVersion"]


def test_an_admin_creates_a_version_and_staff_read_it(rt, admin):
    created = _create(rt, admin)
    assert created["__typename"] == "ParameterVersionPayload", created
    v = created["version"]
    assert (v["regionPrefix"], v["effectiveFrom"], v["label"], v["inUse"]) == ("3701", "2026-02-01", "济南 2026年2月起", False)
    assert v["createdByName"] == "admin user"
    assert {"insuranceType": "EMPLOYEE", "visitType": "INPATIENT", "level": 3, "ratioBp": 8525} in v["fundRatios"]
    assert v["amounts"][0] == {"insuranceType": "EMPLOYEE", "deductibleFen": 0, "annualFundCapFen": 40000000}
    auditor = staff(rt, "auditor")
    history = gql(rt, auditor, VERSIONS, prefix="3701").data["parameterVersions"]
    assert [h["label"] for h in history] == ["济南 2026年2月起", "SAMPLE Jinan 2026", "SAMPLE Jinan 2025"]
    assert history[1]["createdByName"] is None  # imported from the seed file
    clerk = staff(rt, "clerk")
    assert gql(rt, clerk, IN_FORCE, region="370102", on="2026-01-31").data["parametersInForce"]["label"] == \
        "SAMPLE Jinan 2026"
    assert gql(rt, clerk, IN_FORCE, region="370102", on="2026-02-01").data["parametersInForce"]["id"] == v["id"]
    assert gql(rt, clerk, IN_FORCE, region="110101", on="2026-02-01").data["parametersInForce"] is None
    bad = gql(rt, clerk, IN_FORCE, region="37", on="2026-02-01")
    assert bad.errors[0].extensions["code"] == "REGION_CODE_INVALID"


@pytest.mark.parametrize("change, code, field", [
    ({"fundRatios": [r | {"ratioBp": 10001} if r["level"] == 3 else r for r in VERSION["fundRatios"]]},
     "RATIO_INVALID", "fundRatioBp.employee.inpatient.3"),
    ({"fundRatios": [r for r in VERSION["fundRatios"] if (r["insuranceType"], r["visitType"]) != ("RESIDENT", "PHARMACY")]},
     "RATIO_MISSING", "fundRatioBp.resident.pharmacy.0"),
    ({"fundRatios": VERSION["fundRatios"] + [VERSION["fundRatios"][0]]},
     "INVALID_INPUT", "fundRatioBp.employee.outpatient.0"),
    ({"fundRatios": VERSION["fundRatios"] + [{"insuranceType": "RESIDENT", "visitType": "PHARMACY", "level": 7,
                                              "ratioBp": 5000}]},
     "LEVEL_INVALID", "fundRatioBp.resident.pharmacy.7"),
    ({"amounts": [VERSION["amounts"][0], VERSION["amounts"][1] | {"deductibleFen": -1}]},
     "AMOUNT_INVALID", "deductibleFen.resident"),
    ({"amounts": VERSION["amounts"][:1]}, "AMOUNT_INVALID", "deductibleFen.resident"),
    ({"bSelfPayFirstBp": 10001}, "RATIO_INVALID", "bSelfPayFirstBp"),
    ({"premiumFen": -5}, "AMOUNT_INVALID", "premiumFen"),
    ({"regionPrefix": "3"}, "REGION_PREFIX_INVALID", "regionPrefix"),
    ({"regionPrefix": "3799"}, "REGION_UNKNOWN", "regionPrefix"),
    ({"regionPrefix": "379999"}, "REGION_UNKNOWN", "regionPrefix"),
    ({"label": ""}, "LABEL_INVALID", "label"),
])
def test_a_refusal_names_the_field_and_writes_nothing(rt, admin, change, code, field):
    before = count(rt, ParameterSet)
    result = _create(rt, admin, **change)
    assert (result["__typename"], result["code"], result["field"]) == ("OperationError", code, field), result
    assert count(rt, ParameterSet) == before


def test_a_settlement_names_its_version_and_that_version_is_then_locked(rt, admin):
    fam = jinan_family(rt)
    version_id = _create(rt, admin)["version"]["id"]
    code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    lines = [{"itemCode": "1", "name": "x", "category": "A", "unitPriceFen": 100_00}]
    map_lines(rt, fam.pharmacy.id, lines, date(2026, 2, 10))
    settled = gql(rt, fam.pharmacy, SETTLE, input={
        "code": code, "visitType": "PHARMACY", "serviceDate": "2026-02-10", "idempotencyKey": "graph-param-0001",
        "lines": lines}).data["settle"]
    assert settled["settlement"] == {"fundFen": 90_00, "parametersId": version_id, "parametersLabel": "济南 2026年2月起"}
    versions = gql(rt, admin, VERSIONS, prefix="3701").data["parameterVersions"]
    assert versions[0]["inUse"] is True
    again = _create(rt, admin, label="济南 2026年2月起（更正）")
    assert (again["code"], again["field"]) == ("PARAMETERS_IN_USE", "effectiveFrom")
    earlier = _create(rt, admin, effectiveFrom="2026-02-10")  # the day settled: refused, naming it
    assert (earlier["code"], earlier["field"]) == ("EFFECTIVE_DATE_TOO_EARLY", "effectiveFrom")
    assert "2026-02-10" in earlier["message"]


def test_a_date_more_than_two_years_ahead_needs_confirming(rt, admin):
    far = _create(rt, admin, effectiveFrom="2030-01-01")
    assert (far["code"], far["field"]) == ("EFFECTIVE_DATE_FAR_AHEAD", "effectiveFrom")
    assert "2030-01-01" in far["message"] and count(rt, ParameterSet) == 4
    assert _create(rt, admin, effectiveFrom="2030-01-01", confirmFarAhead=True)["version"]["effectiveFrom"] == "2030-01-01"
