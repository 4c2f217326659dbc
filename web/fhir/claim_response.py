"""ClaimResponse: a settlement, with what the fund, the own account, each grant (mutual aid) and cash paid,
in totals and per line (R7, R8).

A partner sees only its own settlements, the person by the masked name; the subject, the presenter,
holders with view_account and staff see the person too.
"""

from __future__ import annotations

from typing import Any

from backend.domain.errors import N_
from backend.domain.money import yuan
from backend.graph.core.ids import from_global_id
from backend.principals import PrincipalKind
from web.fhir import systems
from web.fhir.capability import Capability, SearchParam
from web.fhir.datatypes import (
    MASKED,
    china_time,
    coding,
    compact,
    concept,
    extension,
    fhir_id,
    graph_id,
    graph_id_or_none,
    money,
    reference,
)
from web.fhir.http import Call
from web.fhir.outcome import SEARCH_BY, FhirError, not_found
from web.fhir.search import Search, entry, page, reference_id, searchset

TYPE = "ClaimResponse"
DOCUMENT = "claim_response.graphql"
INSURER = N_("Basic medical insurance fund")
REFUNDED = N_("Refunded or reversed")
REFUND_NOTE = {
    "refund": N_("Refunded at {at} (China time): lines {lines}. Back to the fund {fund} yuan, to personal "
                 "accounts {accounts} yuan, in cash {cash} yuan."),
    "reversal": N_("Reversed at {at} (China time): lines {lines}. Back to the fund {fund} yuan, to personal "
                   "accounts {accounts} yuan, in cash {cash} yuan."),
}

CLAIM_TYPE = {"OUTPATIENT": "professional", "INPATIENT": "institutional", "PHARMACY": "pharmacy"}
STATUS = {"settled": "active", "partly_refunded": "active", "refunded": "cancelled"}

# (graph field, code system, code): the R7 split of a bill, the same for the whole and for each line.
SPLIT = (
    ("fundFen", systems.ADJUDICATION_HL7, "benefit"),
    ("deductibleFen", systems.ADJUDICATION_HL7, "deductible"),
    ("copayFen", systems.ADJUDICATION_HL7, "copay"),
    ("bSelfFirstFen", systems.ADJUDICATION, "b-self-pay-first"),
    ("selfPayFen", systems.ADJUDICATION, "self-pay"),
    ("nonMedicalFen", systems.ADJUDICATION, "non-medical"),
    ("overlmtSelfpayFen", systems.ADJUDICATION, "over-limit-self-pay"),
)

CAPABILITY = Capability(TYPE, read=True, search=(
    SearchParam("patient", "reference", "`Patient/<id>`: bills settled for that person (self, holders with "
                                        "view_account, staff). Partners leave it out: their own settlements, "
                                        "newest first. Paged with `_count` and `_cursor`."),
    SearchParam("identifier", "token", f"Partners: `{systems.RECEIPT}|<receipt number>` (or the bare number) "
                                       "finds the settlement made under your own receipt number. Not combined "
                                       "with `patient`."),
), documentation="A settlement: totals and per-line adjudication (fund, deductible, co-pay, List B self-pay-first, "
                 "List C self-pay, outside the catalogue, over-limit self-pay), each line's catalogue code and price cap, "
                 "and who paid the personal burden (own account, each grant, cash).")


def _amount(system: str, code: str, fen: int, payer: dict[str, Any] | None = None) -> dict[str, Any]:
    """One adjudication or total (about fifty per settlement of four lines: built plainly, not compacted)."""
    part = {"category": {"coding": [{"system": system, "code": code}]}, "amount": money(fen)}
    return {"extension": [extension(systems.EXT_PAYER, valueReference=payer)], **part} if payer else part


def _payers(settlement: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each grant that paid, as a reference to its Consent, named as the settlement names the grantor."""
    payers = {}
    for aid in settlement["mutualAid"]:
        decoded = from_global_id(aid["grantId"])
        key = f"Consent/grant-{decoded[1]}" if decoded else aid["grantId"]
        payers[aid["grantId"]] = {"reference": key, "display": aid["grantorMaskedName"]}
    return payers


def _paid_by(pool: str, fen: int, payers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if pool == "own":
        return _amount(systems.ADJUDICATION, "own-account", fen)
    return _amount(systems.ADJUDICATION, "mutual-aid", fen, payers.get(pool, {"display": pool}))


def _split(part: dict[str, Any]) -> list[dict[str, Any]]:
    return [_amount(system, code, part[field]) for field, system, code in SPLIT]


def _notes(refunds: list[dict[str, Any]]) -> dict[int, int]:
    """Each refunded line's note: the number of the refund that refunded it (refunds numbered from 1)."""
    return {line: number for number, refund in enumerate(refunds, start=1) for line in refund["lineNumbers"]}


def _refund_note(call: Call, number: int, refund: dict[str, Any]) -> dict[str, Any]:
    at = china_time(refund["createdAt"])
    return {"number": number, "type": "display", "text": call.gettext(
        REFUND_NOTE[refund["kind"]], at=at, lines=", ".join(map(str, refund["lineNumbers"])),
        fund=yuan(refund["fundFen"]), accounts=yuan(refund["ownAccountFen"] + refund["mutualAidFen"]),
        cash=yuan(refund["cashFen"]))}


def _refund_extension(refund: dict[str, Any]) -> dict[str, Any]:
    """A refund as structured data: its id, kind, time, lines and what each pool got back."""
    decoded = from_global_id(refund["id"])
    parts = [extension("identifier", valueString=str(decoded[1]) if decoded else refund["id"]),
             extension("kind", valueCode=refund["kind"]), extension("date", valueDateTime=refund["createdAt"]),
             *[extension("line", valuePositiveInt=n) for n in refund["lineNumbers"]],
             *[extension(name, valueMoney=money(refund[field])) for name, field in REFUND_PARTS]]
    return {"url": systems.EXT_REFUND, "extension": parts}


REFUND_PARTS = (("amount", "amountFen"), ("fund", "fundFen"), ("own-account", "ownAccountFen"),
                ("mutual-aid", "mutualAidFen"), ("cash", "cashFen"), ("insurer", "insurerFen"))


def _payment(call: Call, settlement: dict[str, Any]) -> dict[str, Any]:
    """What the insurer pays the institution (R16): the fund and the personal accounts (own and mutual aid),
    less what refunds gave back to them; the refunds' part is the (negative) adjustment."""
    back = sum(r["insurerFen"] for r in settlement["refunds"])
    return compact({"type": concept(coding(systems.PAYMENT_TYPE, "complete")),
                    "adjustment": money(-back) if back else None,
                    "adjustmentReason": {"text": call.gettext(REFUNDED)} if back else None,
                    "amount": money(settlement["insurerFen"])})


def _item(line: dict[str, Any], payers: dict[str, dict[str, Any]], note: int | None = None) -> dict[str, Any]:
    return compact({
        "extension": [part for part in (
            extension(systems.EXT_ITEM, valueCodeableConcept=concept(coding(systems.ITEM, line["itemCode"], line["name"]))),
            extension(systems.EXT_ITEM_CATEGORY, valueCoding=coding(systems.ITEM_CATEGORY, line["category"].lower())),
            extension(systems.EXT_CATALOGUE_ITEM, valueCoding=coding(systems.CATALOGUE, line["nationalCode"]))
            if line["nationalCode"] else None,
            extension(systems.EXT_PRICE_CAP, valueMoney=money(line["priceCapFen"]))
            if line["priceCapFen"] is not None else None,
            extension(systems.EXT_QUANTITY, valueQuantity={"value": line["quantity"]}),
            extension(systems.EXT_UNIT_PRICE, valueMoney=money(line["unitPriceFen"])),
        ) if part is not None],
        "itemSequence": line["lineNo"],
        "noteNumber": [note] if note else None,
        "adjudication": [_amount(systems.ADJUDICATION_HL7, "submitted", line["amountFen"]), *_split(line),
                         *[_paid_by(p["pool"], p["amountFen"], payers) for p in line["payments"]],
                         _amount(systems.ADJUDICATION, "cash", line["cashFen"])],
    })


def _patient(settlement: dict[str, Any]) -> dict[str, Any]:
    subject = settlement.get("subject")
    if subject:
        return reference("Patient", subject["id"], subject["name"])
    return {"display": settlement["subjectMaskedName"]}


def from_settlement(call: Call, settlement: dict[str, Any]) -> dict[str, Any]:
    payers = _payers(settlement)
    institution = settlement["institution"]
    lines = settlement["lines"]
    refunds = settlement["refunds"]
    notes = _notes(refunds)
    return compact({
        "resourceType": TYPE,
        "id": fhir_id(settlement["id"]),
        "meta": None if settlement.get("subject") else MASKED,
        "extension": [extension(systems.EXT_SERVICE_DATE, valueDate=settlement["serviceDate"]),
                      extension(systems.EXT_VISIT_TYPE,
                                valueCoding=coding(systems.VISIT_TYPE, settlement["visitType"].lower())),
                      *[_refund_extension(r) for r in refunds]],
        "identifier": [{"system": systems.SETTLEMENT, "value": fhir_id(settlement["id"])},
                       *([{"system": systems.RECEIPT, "value": settlement["receiptNumber"],
                           "assigner": {"identifier": {"system": systems.INSTITUTION, "value": fhir_id(institution["id"])}}}]
                         if settlement.get("receiptNumber") else [])],
        "status": STATUS[settlement["status"]],
        "type": concept(coding(systems.CLAIM_TYPE, CLAIM_TYPE[settlement["visitType"]])),
        "use": "claim",
        "patient": _patient(settlement),
        "created": settlement["createdAt"],
        "insurer": {"display": call.gettext(INSURER)},
        "requestor": {"identifier": {"system": systems.INSTITUTION, "value": fhir_id(institution["id"])},
                      "display": institution["name"]},
        "outcome": "complete",
        "disposition": settlement["parametersLabel"],
        "item": [_item(line, payers, notes.get(line["lineNo"])) for line in lines],
        "total": [_amount(systems.ADJUDICATION_HL7, "submitted", settlement["billFen"]), *_split(settlement),
                  _amount(systems.ADJUDICATION, "personal-burden", settlement["personalBurdenFen"]),
                  _amount(systems.ADJUDICATION, "own-account", settlement["ownAccountFen"]),
                  *[_amount(systems.ADJUDICATION, "mutual-aid", aid["amountFen"], payers[aid["grantId"]])
                    for aid in settlement["mutualAid"]],
                  _amount(systems.ADJUDICATION, "cash", settlement["cashFen"])],
        "payment": _payment(call, settlement),
        "processNote": [_refund_note(call, number, r) for number, r in enumerate(refunds, start=1)],
    })


async def read(call: Call) -> dict[str, Any]:
    data = await call.run(DOCUMENT, "ClaimResponse", id=graph_id("Settlement", call.request.path_params["id"], TYPE))
    node = data["node"]
    if node is None or node["__typename"] != "Settlement":
        raise not_found(TYPE)
    return from_settlement(call, node)


async def search(call: Call) -> dict[str, Any]:
    query = Search(call, TYPE, ("patient", "identifier"), paged=True)
    patient, identifier = query.get("patient"), query.get("identifier")
    if patient is not None and identifier is not None:
        raise FhirError(400, "required", SEARCH_BY, resource=TYPE, names="patient, identifier")
    if identifier is not None:
        system, _, receipt = identifier.rpartition("|")
        if call.principal.kind is not PrincipalKind.PARTNER or system not in ("", systems.RECEIPT) or not receipt:
            return searchset(call, [])
        viewer = (await call.run(DOCUMENT, "PartnerClaimResponses", first=query.count, after=query.cursor,
                                 receipt=receipt))["viewer"]
        connection = viewer.get("settlements") if viewer else None
    elif patient is not None:
        person_id = graph_id_or_none("Person", reference_id(patient, "Patient"))
        if person_id is None:
            return searchset(call, [])
        node = (await call.run(DOCUMENT, "PatientClaimResponses", id=person_id, first=query.count,
                               after=query.cursor))["node"]
        connection = node.get("settlements") if node and node["__typename"] == "Person" else None
    elif call.principal.kind is PrincipalKind.PARTNER:
        viewer = (await call.run(DOCUMENT, "PartnerClaimResponses", first=query.count, after=query.cursor))["viewer"]
        connection = viewer.get("settlements") if viewer else None
    else:
        raise FhirError(400, "required", SEARCH_BY, resource=TYPE, names="patient")
    edges, total, next_cursor = page(connection)
    return searchset(call, [entry(call, from_settlement(call, e["node"])) for e in edges], total, next_cursor)
