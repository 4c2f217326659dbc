"""Coverage: a person's current enrolment (type, coordination area, status), with their personal account.

One current enrolment per person, so a Coverage's id is its beneficiary's Patient id.
"""

from __future__ import annotations

from typing import Any

from web.fhir import systems
from web.fhir.capability import Capability, SearchParam
from web.fhir.datatypes import coding, compact, concept, extension, fhir_id, graph_id_or_none, money, reference
from web.fhir.http import Call
from web.fhir.outcome import not_found
from web.fhir.search import Search, entry, reference_id, searchset

TYPE = "Coverage"
DOCUMENT = "coverage.graphql"

CAPABILITY = Capability(TYPE, read=True, search=(
    SearchParam("beneficiary", "reference", "`Patient/<id>`: that person's enrolment, where the caller may see "
                                            "its status (self, holders with view_insurance, staff)."),
), documentation="The current enrolment; id = the beneficiary's Patient id. The personal-account balance is an "
                 "extension, present where the caller may see it (self, holders with view_account, staff).")


def _payor(region_code: str, region_name: str | None) -> dict[str, Any]:
    return compact({"identifier": {"system": systems.REGION, "value": region_code}, "display": region_name})


def _status(status: str) -> str:
    """FHIR's record status: an ended enrolment is cancelled; a suspended one stays active (see the extension)."""
    return "cancelled" if status == "ENDED" else "active"


def from_person(person: dict[str, Any]) -> dict[str, Any] | None:
    """Coverage from a graph Person; None where the caller may not see the enrolment's status."""
    insurance = person.get("insurance")
    if insurance is None or insurance.get("status") is None:
        return None
    account = person.get("personalAccount")
    return compact({
        "resourceType": TYPE,
        "id": fhir_id(person["id"]),
        "extension": [extension(systems.EXT_INSURANCE_STATUS,
                                valueCoding=coding(systems.INSURANCE_STATUS, insurance["status"].lower()))]
                     + ([extension(systems.EXT_PERSONAL_ACCOUNT, valueMoney=money(account["balanceFen"]))] if account else []),
        "status": _status(insurance["status"]),
        "type": concept(coding(systems.INSURANCE_TYPE, insurance["type"].lower())),
        "relationship": concept(coding(systems.SUBSCRIBER_RELATIONSHIP, "self")),
        "beneficiary": reference("Patient", person["id"], person.get("name")),
        "payor": [_payor(insurance["regionCode"], insurance.get("regionName"))],
    })


def from_code(subject: dict[str, Any], patient_url: str) -> dict[str, Any] | None:
    """Coverage as a scanned code shows it to a partner (active or not); None for someone not insured."""
    if not subject.get("regionCode"):
        return None
    return compact({
        "resourceType": TYPE,
        "status": "active" if subject["insuranceActive"] else "cancelled",
        "type": concept(coding(systems.INSURANCE_TYPE, subject["insuranceType"].lower()))
        if subject.get("insuranceType") else None,
        "beneficiary": {"reference": patient_url, "display": subject["maskedName"]},
        "payor": [_payor(subject["regionCode"], subject.get("regionName"))],
    })


async def _of(call: Call, person_id: str | None) -> dict[str, Any] | None:
    if person_id is None:
        return None
    node = (await call.run(DOCUMENT, "Coverage", id=person_id))["node"]
    return from_person(node) if node and node["__typename"] == "Person" else None


async def read(call: Call) -> dict[str, Any]:
    found = await _of(call, graph_id_or_none("Person", call.request.path_params["id"]))
    if found is None:
        raise not_found(TYPE)
    return found


async def search(call: Call) -> dict[str, Any]:
    _, value = Search(call, TYPE, ("beneficiary",)).one_of()
    found = await _of(call, graph_id_or_none("Person", reference_id(value, "Patient")))
    return searchset(call, [entry(call, found)] if found else [])
