"""FHIR data types from graph values: ids, references, codings, money, extensions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from backend.clock import CHINA
from backend.graph.core.ids import from_global_id, to_global_id
from web.fhir import systems
from web.fhir.outcome import not_found

MASKED = {"security": [{"system": systems.V3_OBSERVATION_VALUE, "code": "MASKED", "display": "masked"}]}


def graph_id_or_none(type_name: str, fhir_id: str) -> str | None:
    """The graph's global id for a FHIR id: the object's UUID, or the graph's own global id of that type
    (so an id read from the graph opens the same resource); None for anything else."""
    try:
        key = uuid.UUID(fhir_id)
    except ValueError:
        decoded = from_global_id(fhir_id, type_name)
        return to_global_id(type_name, decoded[1]) if decoded else None
    return to_global_id(type_name, key)


def graph_id(type_name: str, fhir_id: str, resource: str) -> str:
    """As graph_id_or_none, for a read: an id that is no UUID is not found."""
    found = graph_id_or_none(type_name, fhir_id)
    if found is None:
        raise not_found(resource)
    return found


def fhir_id(global_id: str) -> str:
    """A graph global id as a FHIR id: its UUID (a global id may be longer than FHIR's 64 characters)."""
    decoded = from_global_id(global_id)
    if decoded is None:
        raise ValueError(f"not a global id: {global_id!r}")
    return str(decoded[1])


def reference(resource_type: str, global_id: str, display: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"reference": f"{resource_type}/{fhir_id(global_id)}"}
    if display:
        ref["display"] = display
    return ref


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def concept(*codings: dict[str, str], text: str | None = None) -> dict[str, Any]:
    return {"coding": list(codings), **({"text": text} if text else {})}


def china_time(instant: str) -> str:
    """An ISO instant from the graph as China time to the minute, as people read it: 2026-03-02 17:30."""
    return datetime.fromisoformat(instant).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def money(fen: int) -> dict[str, Any]:
    """Integer fen as FHIR Money in yuan (CNY); exact for every amount the service holds (< 2^53 fen)."""
    return {"value": fen / 100, "currency": "CNY"}


def extension(url: str, **value: Any) -> dict[str, Any]:
    """One simple extension: extension(URL, valueMoney=...)."""
    (key, val), = value.items()
    return {"url": url, key: val}


def gender(sex: str | None) -> str:
    return {"MALE": "male", "FEMALE": "female"}.get(sex or "", "unknown")


def is_masked(value: str | None) -> bool:
    return value is not None and "*" in value


def compact(resource: dict[str, Any]) -> dict[str, Any]:
    """Drop absent elements: FHIR JSON carries no nulls and no empty lists or objects."""
    return {k: v for k, v in resource.items() if v not in (None, [], {})}
