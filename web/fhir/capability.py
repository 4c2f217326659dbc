"""What each resource module offers, and the CapabilityStatement at /fhir/R4/metadata built from them."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from web.fhir.http import Call

FHIR_VERSION = "4.0.1"


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str  # token, reference, ...
    documentation: str


@dataclass(frozen=True)
class Capability:
    """A resource type the export serves: read by id and/or search with these parameters."""

    type: str
    read: bool
    search: tuple[SearchParam, ...]
    documentation: str

    def statement(self) -> dict[str, Any]:
        interactions = (["read"] if self.read else []) + (["search-type"] if self.search else [])
        return {
            "type": self.type,
            "documentation": self.documentation,
            "interaction": [{"code": code} for code in interactions],
            "searchParam": [{"name": p.name, "type": p.type, "documentation": p.documentation} for p in self.search],
        }


def _software_version() -> str:
    try:
        return version("yibao-family")
    except PackageNotFoundError:
        return "unknown"


def capability_statement(call: Call, capabilities: tuple[Capability, ...]) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": call.request.app.state.rt.clock.now().isoformat(),
        "kind": "instance",
        "software": {"name": "yibao-family", "version": _software_version()},
        "implementation": {"description": "yibao-family FHIR R4 export (read-only)", "url": call.base},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "documentation": "Read-only. Authorization is the graph's: a partner's API key or a household or "
                             "staff access token as a Bearer credential; each field shows only what the graph "
                             "would show the same caller.",
            "security": {"cors": False, "description": "Authorization: Bearer <API key or access token>"},
            "resource": [c.statement() for c in capabilities],
        }],
    }
