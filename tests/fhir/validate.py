"""Validate FHIR JSON with fhir.resources (structure, cardinality, types, no unknown elements), plus what
its models leave unchecked: the id pattern and the codes of required bindings."""

from __future__ import annotations

import re
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")

# Elements bound to a required value set: (resource type, dotted path) -> codes allowed.
REQUIRED = {
    ("Patient", "gender"): {"male", "female", "other", "unknown"},
    ("RelatedPerson", "gender"): {"male", "female", "other", "unknown"},
    ("Coverage", "status"): {"active", "cancelled", "draft", "entered-in-error"},
    ("Consent", "status"): {"draft", "proposed", "active", "rejected", "inactive", "entered-in-error"},
    ("Consent", "provision.type"): {"deny", "permit"},
    ("Consent", "provision.provision.type"): {"deny", "permit"},
    ("ClaimResponse", "status"): {"active", "cancelled", "draft", "entered-in-error"},
    ("ClaimResponse", "use"): {"claim", "preauthorization", "predetermination"},
    ("ClaimResponse", "outcome"): {"queued", "complete", "error", "partial"},
    ("ClaimResponse", "processNote.type"): {"display", "print", "printoper"},
    ("PaymentReconciliation", "status"): {"active", "cancelled", "draft", "entered-in-error"},
    ("PaymentReconciliation", "outcome"): {"queued", "complete", "error", "partial"},
    ("Bundle", "type"): {"searchset"},
    ("Bundle", "entry.search.mode"): {"match", "include", "outcome"},
    ("CapabilityStatement", "status"): {"draft", "active", "retired", "unknown"},
    ("CapabilityStatement", "kind"): {"instance", "capability", "requirements"},
    ("CapabilityStatement", "rest.resource.interaction.code"): {"read", "vread", "update", "patch", "delete",
                                                                 "history-instance", "history-type", "create",
                                                                 "search-type"},
    ("OperationOutcome", "issue.severity"): {"fatal", "error", "warning", "information"},
}


def _values(node: Any, path: list[str]) -> list[Any]:
    if not path:
        return [node]
    items = node if isinstance(node, list) else [node]
    found: list[Any] = []
    for item in items:
        if isinstance(item, dict) and path[0] in item:
            value = item[path[0]]
            for v in value if isinstance(value, list) else [value]:
                found.extend(_values(v, path[1:]))
    return found


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, once fhir.resources has parsed it and the checks above hold (nested resources too)."""
    kind = resource["resourceType"]
    get_fhir_model_class(kind).model_validate(resource)
    if "id" in resource:
        assert ID.fullmatch(resource["id"]), resource["id"]
    for (rtype, path), allowed in REQUIRED.items():
        if rtype == kind:
            for value in _values(resource, path.split(".")):
                assert value in allowed, (kind, path, value)
    if kind == "Consent":  # ppc-1
        assert resource.get("policy") or resource.get("policyRule")
    for e in resource.get("entry", []):
        valid(e["resource"])
    return resource
