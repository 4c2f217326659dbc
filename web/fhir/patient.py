"""Patient: a person by id as the caller may see them, or, for a partner, the person a scanned code is for."""

from __future__ import annotations

from typing import Any

from backend.domain.errors import N_
from web.fhir import coverage, related_person, systems
from web.fhir.capability import Capability, SearchParam
from web.fhir.datatypes import MASKED, compact, fhir_id, gender, graph_id, is_masked
from web.fhir.http import Call
from web.fhir.outcome import FhirError, issue, not_found, operation_outcome
from web.fhir.search import Search, entry, new_urn, searchset

TYPE = "Patient"
DOCUMENT = "patient.graphql"
PARTNERS_ONLY = N_("Only a partner may search {resource} by a presented code.")

CAPABILITY = Capability(TYPE, read=True, search=(
    SearchParam("identifier", "token",
                f"Partners: `{systems.PRESENTED_CODE}|<code>` (or the bare code) finds the person a scanned code is "
                "for, as `resolveCode` shows them (masked name); the bundle includes their Coverage and, when a "
                "relative showed the code, that relative as RelatedPerson. Does not use the code up. "
                f"Household members and staff: `{systems.ID_NUMBER}|<ID number>` finds oneself (staff: anyone)."),
), documentation="A person: the caller, their family (masked ID number and phone), or anyone for staff (audited).")


def from_person(person: dict[str, Any]) -> dict[str, Any]:
    """Patient from a graph Person (fields the gate withheld are left out)."""
    id_number, phone = person.get("idNumber"), person.get("phone")
    return compact({
        "resourceType": TYPE,
        "id": fhir_id(person["id"]),
        "meta": MASKED if is_masked(id_number) or is_masked(phone) else None,
        "identifier": [{"system": systems.ID_NUMBER, "value": id_number}] if id_number else None,
        "name": [{"text": person["name"]}],
        "telecom": [{"system": "phone", "value": phone, "use": "mobile"}] if phone else None,
        "gender": gender(person["sex"]) if person.get("sex") else None,
        "birthDate": person.get("birthDate"),
    })


def from_code(code: str, resolved: dict[str, Any]) -> dict[str, Any]:
    """Patient from a resolved code: only the masked name, and the code itself until it expires."""
    return {
        "resourceType": TYPE,
        "meta": MASKED,
        "identifier": [{"system": systems.PRESENTED_CODE, "value": code, "period": {"end": resolved["expiresAt"]}}],
        "name": [{"text": resolved["subject"]["maskedName"]}],
    }


async def read(call: Call) -> dict[str, Any]:
    data = await call.run(DOCUMENT, "Patient", id=graph_id("Person", call.request.path_params["id"], TYPE))
    node = data["node"]
    if node is None or node["__typename"] != "Person":
        raise not_found(TYPE)
    return from_person(node)


async def search(call: Call) -> dict[str, Any]:
    _, value = Search(call, TYPE, ("identifier",)).one_of()
    system, _, code = value.rpartition("|")
    if system == systems.ID_NUMBER:
        return await _by_id_number(call, code)
    if system not in ("", systems.PRESENTED_CODE):
        return searchset(call, [])
    return await _by_code(call, code)


async def _by_id_number(call: Call, id_number: str) -> dict[str, Any]:
    """The caller themselves, or for staff whoever has it; never a masked number (it matches nothing)."""
    if not id_number:
        return searchset(call, [])
    data = await call.run(DOCUMENT, "PatientByIdNumber", idNumber=id_number)
    viewer = data["viewer"] if data["viewer"] and data["viewer"]["__typename"] == "Person" else None
    found = [viewer] if viewer else [edge["node"] for edge in (data.get("people") or {}).get("edges", [])]
    return searchset(call, [entry(call, from_person(p)) for p in found if p.get("idNumber") == id_number])


async def _by_code(call: Call, code: str) -> dict[str, Any]:
    result = (await call.run(DOCUMENT, "PatientByCode", code=code))["resolveCode"]
    if result is None:
        raise FhirError(403, "forbidden", PARTNERS_ONLY, resource=TYPE)
    if result["__typename"] == "OperationError":
        refusal = operation_outcome(issue("warning", "not-found", result["message"])
                                    | {"details": {"coding": [{"system": systems.ERROR_CODE, "code": result["code"]}],
                                                   "text": result["message"]}})
        return searchset(call, [entry(call, refusal, "outcome")])
    urn = new_urn()
    entries = [entry(call, from_code(code, result), full_url=urn)]
    cover = coverage.from_code(result["subject"], urn)
    if cover is not None:
        entries.append(entry(call, cover, "include"))
    if not result["presentedBy"]["isSubject"]:
        entries.append(entry(call, related_person.from_presenter(result["presentedBy"], urn), "include"))
    return searchset(call, entries)
