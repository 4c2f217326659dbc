"""The /fhir/R4 routes: metadata, then read and search for each resource module, then OperationOutcome 404s."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from web.fhir import claim_response, consent, coverage, patient, payment_reconciliation, related_person
from web.fhir.capability import capability_statement
from web.fhir.http import BASE_PATH, METHODS, Call, endpoint
from web.fhir.outcome import UNKNOWN_TYPE, FhirError

RESOURCES = (patient, related_person, coverage, consent, claim_response, payment_reconciliation)
CAPABILITIES = tuple(module.CAPABILITY for module in RESOURCES)


async def metadata(call: Call) -> dict[str, Any]:
    return capability_statement(call, CAPABILITIES)


async def unknown(call: Call) -> dict[str, Any]:
    raise FhirError(404, "not-supported", UNKNOWN_TYPE, resource=call.request.path_params["rest"].split("/")[0])


routes = [
    Route(f"{BASE_PATH}/metadata", endpoint(metadata, public=True), methods=METHODS),
    *[Route(f"{BASE_PATH}/{m.TYPE}", endpoint(m.search), methods=METHODS) for m in RESOURCES],
    *[Route(f"{BASE_PATH}/{m.TYPE}/{{id}}", endpoint(m.read), methods=METHODS) for m in RESOURCES if m.CAPABILITY.read],
    Route(f"{BASE_PATH}/{{rest:path}}", endpoint(unknown, public=True), methods=METHODS),
]
