"""Consent: family mutual-aid grants (the grantor lets a relative spend their personal account) and
family-account bindings (the bound person lets a holder show their code), each with its scopes.

Ids: `grant-<id>` and `binding-<id>`.
"""

from __future__ import annotations

from typing import Any

from web.fhir import systems
from web.fhir.capability import Capability, SearchParam
from web.fhir.datatypes import coding, compact, concept, extension, fhir_id, graph_id_or_none, money, reference
from web.fhir.http import Call
from web.fhir.outcome import not_found
from web.fhir.search import Search, entry, reference_id, searchset

TYPE = "Consent"
DOCUMENT = "consent.graphql"

GRANT_STATUS = {"ACTIVE": "active", "SUSPENDED": "inactive", "REVOKED": "inactive"}
BINDING_STATUS = {"PENDING": "proposed", "ACTIVE": "active", "DECLINED": "rejected", "ENDED": "inactive"}
KINDS = {"grant": "Grant", "binding": "Binding"}

CAPABILITY = Capability(TYPE, read=True, search=(
    SearchParam("patient", "reference", "`Patient/<id>`: the caller's own consents as the one who gives them "
                                        "(grants given, bindings over them)."),
    SearchParam("actor", "reference", "`Patient/<id>`: the caller's own consents as the one they are given to "
                                      "(grants received, bindings held)."),
), documentation="Family mutual aid (`grant-<id>`) and family-account bindings (`binding-<id>`), with scopes as "
                 "nested provisions. Visible to the parties and staff.")


def _period(start: str | None, end: str | None) -> dict[str, str] | None:
    return compact({"start": start, "end": end}) or None


def _scope(system: str, code: str, allowed: bool) -> dict[str, Any]:
    return {"type": "permit" if allowed else "deny", "code": [concept(coding(system, code))]}


def from_grant(grant: dict[str, Any]) -> dict[str, Any]:
    cap = grant.get("monthlyCapFen")
    status = concept(coding(systems.CONSENT_STATUS, grant["grantStatus"].lower()), text=grant.get("suspendedBecause"))
    return compact({
        "resourceType": TYPE,
        "id": f"grant-{fhir_id(grant['id'])}",
        "extension": [extension(systems.EXT_CONSENT_STATUS, valueCodeableConcept=status)],
        "status": GRANT_STATUS[grant["grantStatus"]],
        "scope": concept(coding(systems.CONSENT_SCOPE, "family-mutual-aid")),
        "category": [concept(coding(systems.CONSENT_CATEGORY, "family-mutual-aid"))],
        "patient": reference("Patient", grant["grantor"]["id"], grant["grantor"]["name"]),
        "dateTime": grant["createdAt"],
        "performer": [reference("Patient", grant["grantor"]["id"], grant["grantor"]["name"])],
        "policyRule": concept(coding(systems.RULE, "R5")),
        "provision": compact({
            "extension": [extension(systems.EXT_MONTHLY_CAP, valueMoney=money(cap))] if cap is not None else None,
            "type": "permit",
            "period": _period(grant["createdAt"], grant.get("revokedAt")),
            "actor": [{"role": concept(coding(systems.CONSENT_ROLE, "grantee")),
                       "reference": reference("Patient", grant["grantee"]["id"], grant["grantee"]["name"])}],
            "action": [concept(coding(systems.CONSENT_ACTION, "use"))],
            "provision": [_scope(systems.GRANT_USE, "medical", grant["allowMedical"]),
                          _scope(systems.GRANT_USE, "premium", grant["allowPremium"])],
        }),
    })


def from_binding(binding: dict[str, Any]) -> dict[str, Any]:
    via = binding.get("consentVia")
    decider = binding["scopesDecidedBy"]
    return compact({
        "resourceType": TYPE,
        "id": f"binding-{fhir_id(binding['id'])}",
        "extension": [extension(systems.EXT_CONSENT_METHOD, valueCoding=coding(systems.CONSENT_METHOD, via.lower()))]
        if via else None,
        "status": BINDING_STATUS[binding["bindingStatus"]],
        "scope": concept(coding(systems.CONSENT_SCOPE_HL7, "patient-privacy")),
        "category": [concept(coding(systems.CONSENT_CATEGORY, "family-account"))],
        "patient": reference("Patient", binding["subject"]["id"], binding["subject"]["name"]),
        "dateTime": binding.get("decidedAt") or binding["requestedAt"],
        "performer": [reference("Patient", decider["id"], decider["name"])],
        "policyRule": concept(coding(systems.RULE, "R9")),
        "provision": compact({
            "type": "permit",
            "period": _period(binding.get("decidedAt"), binding.get("endedAt")),
            "actor": [{"role": concept(coding(systems.CONSENT_ROLE, "family-account-holder")),
                       "reference": reference("Patient", binding["holder"]["id"], binding["holder"]["name"])}],
            "action": [concept(coding(systems.CONSENT_ACTION, "access"))],
            "provision": [_scope(systems.BINDING_SCOPE, "show_code", binding["showCode"]),
                          _scope(systems.BINDING_SCOPE, "view_insurance", binding["viewInsurance"]),
                          _scope(systems.BINDING_SCOPE, "view_account", binding["viewAccount"])],
        }),
    })


def from_node(node: dict[str, Any]) -> dict[str, Any]:
    return from_grant(node) if node["__typename"] == "Grant" else from_binding(node)


async def read(call: Call) -> dict[str, Any]:
    kind, _, key = call.request.path_params["id"].partition("-")
    global_id = graph_id_or_none(KINDS[kind], key) if kind in KINDS else None
    node = (await call.run(DOCUMENT, "Consent", id=global_id))["node"] if global_id else None
    if node is None or node["__typename"] not in KINDS.values():
        raise not_found(TYPE)
    return from_node(node)


# Which of a person's lists each search parameter reads.
LISTS = {"patient": ("grantsGiven", "subjectBindings"), "actor": ("grantsReceived", "heldBindings")}


async def search(call: Call) -> dict[str, Any]:
    name, value = Search(call, TYPE, tuple(LISTS)).one_of()
    person_id = graph_id_or_none("Person", reference_id(value, "Patient"))
    node = (await call.run(DOCUMENT, "ConsentsOf", id=person_id))["node"] if person_id else None
    if node is None or node["__typename"] != "Person":
        return searchset(call, [])
    found = [edge["node"] for field in LISTS[name] for edge in (node.get(field) or {}).get("edges", [])]
    return searchset(call, [entry(call, from_node(n)) for n in found])
