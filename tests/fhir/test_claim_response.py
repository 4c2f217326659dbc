"""ClaimResponse: settlements with totals, payment components and per-line adjudication, to whom the graph shows them."""

import uuid
from collections import defaultdict

from sqlmodel import select

from backend.clock import CHINA
from backend.domain.settlement import BillLine, Category, VisitType
from backend.graph.core.ids import to_global_id
from backend.principals import Actor, Channel, Principal, PrincipalKind
from backend.services.family_account import bindings, codes
from backend.services.money import settlement
from backend.storage.models import AuditEvent, Binding
from tests.fhir.conftest import household
from tests.helpers import actor_of as actor_of_person
from web.fhir import systems

FATHER_PHONE = "13800000001"


def _fen(money) -> int:
    assert money["currency"] == "CNY"
    return round(money["value"] * 100)


def _by_code(parts) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for part in parts:
        sums[part["category"]["coding"][0]["code"]] += _fen(part["amount"])
    return dict(sums)


def test_a_partner_lists_its_own_settlements_with_masked_names(world, rt):
    bundle = world.get("/fhir/R4/ClaimResponse", world.pharmacy_key)
    assert bundle["total"] == 1
    claim = bundle["entry"][0]["resource"]
    assert claim["id"] == world.settlement_id and claim["patient"] == {"display": "张*宝"}
    assert any(s["code"] == "MASKED" for s in claim["meta"]["security"])
    assert claim["requestor"]["display"] == "历下区康宁大药房" and claim["status"] == "active"
    assert claim["type"]["coding"][0]["code"] == "pharmacy" and claim["use"] == "claim"
    # The partner's read of personal data is audited, on the fhir channel.
    with rt.db.read() as s:
        reads = s.exec(select(AuditEvent).where(AuditEvent.action == "person.read")).all()
    assert {(e.channel, e.subject_person_id) for e in reads} == {("fhir", world.people["张小宝"].id)}
    # Another partner sees none of it.
    assert world.get("/fhir/R4/ClaimResponse", world.hospital_key)["total"] == 0
    world.get(f"/fhir/R4/ClaimResponse/{world.settlement_id}", world.hospital_key, status=404)


def test_every_fen_is_accounted_for_in_totals_and_lines(world):
    claim = world.get(f"/fhir/R4/ClaimResponse/{world.settlement_id}", world.pharmacy_key)
    total = _by_code(claim["total"])
    bill = 12_00 * 2 + 30_00 + 5_00
    assert total["submitted"] == bill == total["benefit"] + total["personal-burden"] + total["non-medical"]
    assert total["personal-burden"] == (total["deductible"] + total["copay"] + total["b-self-pay-first"]
                                        + total["self-pay"] + total["over-limit-self-pay"])
    paid = total["own-account"] + total["mutual-aid"] + total["cash"]
    assert paid == total["personal-burden"] + total["non-medical"]
    # What the insurer pays the institution: the fund and the personal accounts, less the refund of line 3
    # (non-medical: cash only, so nothing of the insurer's came back).
    assert _fen(claim["payment"]["amount"]) == total["benefit"] + total["own-account"] + total["mutual-aid"]
    assert "adjustment" not in claim["payment"]
    assert total["mutual-aid"] > 0 and total["self-pay"] == 30_00 and total["non-medical"] == 5_00
    # Each line names the catalogue entry it was settled under; the tissues are outside the catalogue.
    catalogue = [[e["valueCoding"]["code"] for e in item["extension"] if e["url"] == systems.EXT_CATALOGUE_ITEM]
                 for item in claim["item"]]
    assert catalogue == [["TEST-A"], ["TEST-C"], []]
    # Each grant that paid is named, masked, with a reference to its Consent.
    aid = [t for t in claim["total"] if t["category"]["coding"][0]["code"] == "mutual-aid"]
    payer = aid[0]["extension"][0]
    assert payer["url"] == systems.EXT_PAYER and payer["valueReference"]["reference"].startswith("Consent/grant-")
    assert "*" in payer["valueReference"]["display"]

    lines = {item["itemSequence"]: _by_code(item["adjudication"]) for item in claim["item"]}
    assert sorted(lines) == [1, 2, 3] and [lines[n]["submitted"] for n in (1, 2, 3)] == [24_00, 30_00, 5_00]
    for code in ("submitted", "benefit", "deductible", "copay", "self-pay", "non-medical", "over-limit-self-pay", "cash"):
        assert sum(line.get(code, 0) for line in lines.values()) == total[code], code
    assert sum(line.get("mutual-aid", 0) + line.get("own-account", 0) for line in lines.values()) == \
        total["mutual-aid"] + total["own-account"]
    item = claim["item"][0]["extension"]
    assert item[0]["valueCodeableConcept"]["coding"][0] == {"system": systems.ITEM, "code": "A001", "display": "阿莫西林胶囊"}
    assert item[1]["valueCoding"]["code"] == "a" and item[2]["valueCoding"]["system"] == systems.CATALOGUE
    assert item[3]["valueQuantity"] == {"value": 2} and item[4]["valueMoney"] == {"value": 12, "currency": "CNY"}


def test_each_refund_is_a_note_and_a_record_with_its_time_lines_and_parts(world, rt):
    claim = world.get(f"/fhir/R4/ClaimResponse/{world.settlement_id}", world.pharmacy_key)
    refunded = [item["itemSequence"] for item in claim["item"] if item.get("noteNumber")]
    assert refunded == [3] and claim["processNote"][0]["number"] == 1
    # The world's clock stands at 09:30 UTC: 17:30 in China.
    at = rt.clock.now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    assert claim["processNote"][0]["text"] == (f"Refunded at {at} (China time): lines 3. Back to the fund 0.00 yuan, "
                                               "to personal accounts 0.00 yuan, in cash 5.00 yuan.")
    (refund,) = [e for e in claim["extension"] if e["url"] == systems.EXT_REFUND]
    parts = {e["url"]: next(v for k, v in e.items() if k.startswith("value")) for e in refund["extension"]}
    assert (parts["kind"], parts["line"], parts["amount"], parts["cash"], parts["insurer"]) == (
        "refund", 3, {"value": 5.0, "currency": "CNY"}, {"value": 5.0, "currency": "CNY"},
        {"value": 0.0, "currency": "CNY"})


def test_payment_is_what_the_insurer_pays_less_what_refunds_gave_back(world, rt):
    partner = Actor(Principal(PrincipalKind.PARTNER, world.pharmacy.id, world.pharmacy.name), Channel.GRAPHQL)
    settlement_id = uuid.UUID(world.settlement_id)
    rt.clock.advance(minutes=5)
    settlement.refund(rt, partner, settlement.RefundRequest(settlement_id, (1,), "fhir-test-refund-2"))
    claim = world.get(f"/fhir/R4/ClaimResponse/{world.settlement_id}", world.pharmacy_key)
    total = _by_code(claim["total"])
    line_one = _by_code(claim["item"][0]["adjudication"])
    back = line_one["benefit"] + line_one.get("own-account", 0) + line_one.get("mutual-aid", 0)
    assert back > 0
    assert _fen(claim["payment"]["adjustment"]) == -back
    assert _fen(claim["payment"]["amount"]) == total["benefit"] + total["own-account"] + total["mutual-aid"] - back
    assert claim["payment"]["adjustmentReason"]["text"] == "Refunded or reversed"
    assert [n["number"] for n in claim["processNote"]] == [1, 2]
    assert {item["itemSequence"]: item.get("noteNumber") for item in claim["item"]} == {1: [2], 2: None, 3: [1]}


def test_the_presenter_sees_the_person_and_holders_need_view_account_to_list(world, rt):
    token = world.token(FATHER_PHONE)
    claim = world.get(f"/fhir/R4/ClaimResponse/{world.settlement_id}", token)
    assert claim["patient"] == {"reference": f"Patient/{world.id('张小宝')}", "display": "张小宝"}
    assert "meta" not in claim
    son = f"Patient/{world.id('张小宝')}"
    assert world.get("/fhir/R4/ClaimResponse", token, patient=son)["total"] == 0
    with rt.db.read() as s:
        binding = s.exec(Binding.__table__.select().where(Binding.subject_id == world.people["张小宝"].id)).one()
    bindings.set_binding_scopes(rt, household(rt, world.people["张伟"]), binding.id, view_insurance=True,
                                view_account=True)
    listed = world.get("/fhir/R4/ClaimResponse", token, patient=son, _count="1")
    assert listed["total"] == 1 and listed["entry"][0]["resource"]["patient"]["reference"] == son


def test_a_household_member_must_name_the_patient(world):
    outcome = world.get("/fhir/R4/ClaimResponse", world.token(FATHER_PHONE), status=400)
    assert outcome["issue"][0]["code"] == "required"


def test_the_graphs_global_id_opens_the_same_claim_response(world):
    global_id = to_global_id("Settlement", uuid.UUID(world.settlement_id))
    by_fhir_id = world.get(f"/fhir/R4/ClaimResponse/{world.settlement_id}", world.pharmacy_key)
    by_global_id = world.get(f"/fhir/R4/ClaimResponse/{global_id}", world.pharmacy_key)
    assert by_global_id == by_fhir_id and by_global_id["id"] == world.settlement_id
    # A global id of another type is no settlement.
    world.get(f"/fhir/R4/ClaimResponse/{to_global_id('Person', uuid.UUID(world.settlement_id))}", world.pharmacy_key,
              status=404)


def test_a_partner_finds_a_settlement_by_its_own_receipt_number(world, rt):
    partner = Actor(Principal(PrincipalKind.PARTNER, world.pharmacy.id, world.pharmacy.name), Channel.GRAPHQL)
    person = world.people["张小宝"]
    code = codes.issue_code(rt, actor_of_person(person), person.id).text
    sid = settlement.settle(rt, partner, settlement.SettleRequest(
        code=code, visit_type=VisitType.PHARMACY, service_date=rt.clock.now().date(),
        lines=[BillLine("N1", "口罩", Category.NON_MEDICAL, 5_00, 1)], idempotency_key="fhir-receipt-1",
        receipt_number="POS-0042"))
    bundle = world.get(f"/fhir/R4/ClaimResponse?identifier={systems.RECEIPT}|POS-0042", world.pharmacy_key)
    assert bundle["total"] == 1
    claim = bundle["entry"][0]["resource"]
    assert claim["id"] == str(sid)
    assert claim["identifier"][1] == {"system": systems.RECEIPT, "value": "POS-0042", "assigner": {
        "identifier": {"system": systems.INSTITUTION, "value": str(world.pharmacy.id)}}}
    assert world.get("/fhir/R4/ClaimResponse?identifier=POS-0042", world.hospital_key)["total"] == 0
    world.get(f"/fhir/R4/ClaimResponse?identifier=POS-0042&patient=Patient/{person.id}", world.pharmacy_key,
              status=400)
