"""PaymentReconciliation: a paid month's clearing per institution, validated with fhir.resources; a partner
reads its own, staff name the institution, nobody sees a month that is not paid."""

from datetime import UTC, datetime

from backend.clock import CHINA
from backend.principals import Actor, Channel
from backend.services.clearing import batches, payee
from tests.helpers import staff
from web.fhir import systems


def _fen(money) -> int:
    assert money["currency"] == "CNY"
    return round(money["value"] * 100)


def _pay_march(rt, world) -> None:
    clerk, auditor, admin = (Actor(staff(rt, role), Channel.CONSOLE) for role in ("clerk", "auditor", "admin"))
    rt.clock._at = datetime(2026, 4, 2, 10, tzinfo=CHINA).astimezone(UTC)
    batch = batches.prepare(rt, clerk, "2026-03")
    batches.approve(rt, auditor, batch.id)
    payee.set_payee_account(rt, admin, world.pharmacy.id, "Bank of Jinan", "62220212345678", "contract")
    batches.pay(rt, admin, batch.id, "BOJ-20260402-7")


def test_a_partner_reads_its_paid_month_and_staff_name_the_institution(world, rt):
    wanted = f"202603-{world.pharmacy.id}"
    assert world.get("/fhir/R4/PaymentReconciliation", world.pharmacy_key, period="2026-03")["total"] == 0
    world.get(f"/fhir/R4/PaymentReconciliation/{wanted}", world.pharmacy_key, status=404)
    _pay_march(rt, world)

    found = world.get("/fhir/R4/PaymentReconciliation", world.pharmacy_key, period="2026-03")
    assert found["total"] == 1
    resource = found["entry"][0]["resource"]
    assert resource["id"] == wanted and resource["status"] == "active" and resource["outcome"] == "complete"
    assert resource["period"] == {"start": "2026-03-01", "end": "2026-03-31"}
    assert resource["paymentIdentifier"] == {"system": systems.BANK_REFERENCE, "value": "BOJ-20260402-7"}
    assert resource["paymentDate"] == "2026-04-02"
    [detail] = resource["detail"]  # the son is resident-insured, at a pharmacy
    assert detail["type"]["coding"][0]["code"] == "390-41"
    assert detail["payee"]["display"] == "历下区康宁大药房"
    parts = {e["url"].removeprefix(systems.EXT_CLEARING_PART + "-"): _fen(e["valueMoney"])
             for e in detail["extension"] if "valueMoney" in e}
    assert parts["bill"] == parts["fund"] + parts["own-account"] + parts["mutual-aid"] + parts["cash"]
    assert _fen(detail["amount"]) == parts["fund"] + parts["own-account"] + parts["mutual-aid"] - parts["deducted"]
    assert _fen(detail["amount"]) == _fen(resource["paymentAmount"]) > 0
    assert world.get(f"/fhir/R4/PaymentReconciliation/{wanted}", world.pharmacy_key) == resource

    # The hospital: nothing of the pharmacy's, by search or by id.
    assert world.get("/fhir/R4/PaymentReconciliation", world.hospital_key, period="2026-03")["total"] == 0
    world.get(f"/fhir/R4/PaymentReconciliation/{wanted}", world.hospital_key, status=404)
    # Staff name the institution; without it the search is refused.
    token = world.token("clerk01", "clerk1234")
    by_staff = world.get("/fhir/R4/PaymentReconciliation", token, period="2026-03",
                         requestor=f"Organization/{world.pharmacy.id}")
    assert by_staff["entry"][0]["resource"]["id"] == wanted
    world.get("/fhir/R4/PaymentReconciliation", token, status=400, period="2026-03")
    world.get("/fhir/R4/PaymentReconciliation", world.pharmacy_key, status=400, period="March")
    # A household member sees none.
    household = world.token("13800000001")
    world.get(f"/fhir/R4/PaymentReconciliation/{wanted}", household, status=404)
    capability = world.get("/fhir/R4/metadata", None)
    assert "PaymentReconciliation" in {r["type"] for r in capability["rest"][0]["resource"]}
