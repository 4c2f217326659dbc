"""RelatedPerson: a person's relatives (kinship, R1), and the relative who showed a scanned code.

A relationship joins two people, so it gives two RelatedPersons, one for each side:
`<relationship id>.person` (the relationship's person, related to its relative) and
`<relationship id>.relative`; each reads by that id as its party sees it.
"""

from __future__ import annotations

from typing import Any

from backend.domain.idnumber import Sex
from backend.domain.kinship import Kinship, inverse, kinship_label_id
from web.fhir import systems
from web.fhir.capability import Capability, SearchParam
from web.fhir.datatypes import (
    MASKED,
    coding,
    compact,
    concept,
    extension,
    fhir_id,
    gender,
    graph_id_or_none,
    is_masked,
    reference,
)
from web.fhir.http import Call
from web.fhir.outcome import not_found
from web.fhir.search import Search, entry, page, reference_id, searchset

TYPE = "RelatedPerson"
DOCUMENT = "related_person.graphql"

# Kinship (what the relative is to the patient) in HL7 v3 RoleCode; v3 has no maternal/paternal grandchild.
V3_ROLE = {
    "SPOUSE": ("SPS", "spouse"),
    "PARENT": ("PRN", "parent"),
    "CHILD": ("CHILD", "child"),
    "SIBLING": ("SIB", "sibling"),
    "PATERNAL_GRANDPARENT": ("PGRPRN", "paternal grandparent"),
    "MATERNAL_GRANDPARENT": ("MGRPRN", "maternal grandparent"),
    "PATERNAL_GRANDCHILD": ("GRNDCHILD", "grandchild"),
    "MATERNAL_GRANDCHILD": ("GRNDCHILD", "grandchild"),
}

SIDES = ("person", "relative")

CAPABILITY = Capability(TYPE, read=True, search=(
    SearchParam("patient", "reference", "`Patient/<id>`: the caller's own relatives (claimed and verified; "
                                        "active = verified), each with what they are to the patient."),
), documentation="A relative of a person (R1 near relatives), as Person.family shows them; read by "
                 "`<relationship id>.person` or `.relative` (one side of a relationship), by its parties.")


def kinship(kind: str, label: str | None = None) -> dict[str, Any]:
    """Our kinship code and its HL7 v3 RoleCode; the text in the caller's language where the graph gave it."""
    v3_code, v3_display = V3_ROLE[kind]
    return concept(coding(systems.KINSHIP, kind.lower()), coding(systems.V3_ROLE_CODE, v3_code, v3_display), text=label)


def from_edge(patient_id: str, edge: dict[str, Any]) -> dict[str, Any]:
    """RelatedPerson from one edge of Person.family: `edge.node` is `edge.kind` to the patient."""
    node, relationship = edge["node"], edge["relationship"]
    side = "person" if relationship["person"]["id"] == node["id"] else "relative"
    id_number, phone = node.get("idNumber"), node.get("phone")
    return compact({
        "resourceType": TYPE,
        "id": f"{fhir_id(relationship['id'])}.{side}",
        "meta": MASKED if is_masked(id_number) or is_masked(phone) else None,
        "extension": [extension(systems.EXT_RELATED_PATIENT, valueReference=reference("Patient", node["id"]))],
        "identifier": [{"system": systems.ID_NUMBER, "value": id_number}] if id_number else None,
        "active": relationship["status"] == "VERIFIED",
        "patient": reference("Patient", patient_id),
        "relationship": [kinship(edge["kind"], edge.get("kindLabel"))],
        "name": [{"text": node["name"]}],
        "telecom": [{"system": "phone", "value": phone, "use": "mobile"}] if phone else None,
        "gender": gender(node["sex"]) if node.get("sex") else None,
        "birthDate": node.get("birthDate"),
    })


def from_presenter(presenter: dict[str, Any], patient_url: str) -> dict[str, Any]:
    """The relative whose phone showed a partner the code, as resolveCode shows them (masked name)."""
    kind = presenter.get("relationshipToSubject")
    return compact({
        "resourceType": TYPE,
        "meta": MASKED,
        "patient": {"reference": patient_url},
        "relationship": [kinship(kind)] if kind else None,
        "name": [{"text": presenter["maskedName"]}],
    })


async def search(call: Call) -> dict[str, Any]:
    query = Search(call, TYPE, ("patient",), paged=True)
    _, value = query.one_of()
    person_id = graph_id_or_none("Person", reference_id(value, "Patient"))
    if person_id is None:
        return searchset(call, [])
    data = await call.run(DOCUMENT, "RelatedPersons", id=person_id, first=query.count, after=query.cursor)
    node = data["node"]
    edges, total, next_cursor = page(node["family"] if node and node["__typename"] == "Person" else None)
    return searchset(call, [entry(call, from_edge(person_id, e)) for e in edges], total, next_cursor)


def _side(call: Call, relationship: dict[str, Any], side: str) -> dict[str, Any]:
    """One side of a relationship as Person.family would give it to the other side: `kind` is what the
    relationship's person is to its relative, so the relative's side takes its inverse."""
    node, other = (relationship["person"], relationship["relative"]) if side == "person" else \
        (relationship["relative"], relationship["person"])
    kind = Kinship(relationship["kind"].lower())
    kind = kind if side == "person" else inverse(kind)
    label = kinship_label_id(kind, Sex(node["sex"].lower()) if node.get("sex") else None)
    edge = {"kind": kind.name, "kindLabel": call.gettext(label), "node": node,
            "relationship": {"id": relationship["id"], "status": relationship["status"],
                             "person": {"id": relationship["person"]["id"]}}}
    return from_edge(other["id"], edge)


async def read(call: Call) -> dict[str, Any]:
    key, _, side = call.request.path_params["id"].rpartition(".")
    relationship_id = graph_id_or_none("Relationship", key) if side in SIDES else None
    node = (await call.run(DOCUMENT, "RelatedPerson", id=relationship_id))["node"] if relationship_id else None
    if node is None or node["__typename"] != "Relationship":
        raise not_found(TYPE)
    return _side(call, node, side)
