"""Consent: grants and bindings, with their scopes, to their parties only."""

from backend.services.family_account import bindings
from backend.storage.models import Binding
from tests.fhir.conftest import household
from web.fhir import systems

FATHER_PHONE, GRANDMA_PHONE, MOTHER_PHONE = "13800000001", "13800000003", "13800000002"


def _scopes(consent) -> dict[str, str]:
    return {p["code"][0]["coding"][0]["code"]: p["type"] for p in consent["provision"]["provision"]}


def _by_counterpart(bundle) -> dict[str, dict]:
    return {e["resource"]["provision"]["actor"][0]["reference"]["display"]: e["resource"] for e in bundle["entry"]}


def test_grants_given_and_bindings_held(world):
    token = world.token(FATHER_PHONE)
    given = world.get("/fhir/R4/Consent", token, patient=f"Patient/{world.id('张伟')}")
    grants = _by_counterpart(given)
    assert set(grants) == {"王秀英", "张晓雨", "张小宝"}
    son = grants["张小宝"]
    assert son["id"].startswith("grant-") and son["status"] == "active"
    assert son["category"][0]["coding"][0]["code"] == "family-mutual-aid"
    assert son["patient"]["reference"] == f"Patient/{world.id('张伟')}"
    assert son["provision"]["actor"][0]["role"]["coding"][0]["code"] == "grantee"
    assert _scopes(son) == {"medical": "permit", "premium": "permit"}
    cap = son["provision"]["extension"][0]
    assert cap["url"] == systems.EXT_MONTHLY_CAP and cap["valueMoney"] == {"value": 500, "currency": "CNY"}

    held = {e["resource"]["patient"]["display"]: e["resource"]
            for e in world.get("/fhir/R4/Consent", token, actor=world.id("张伟"))["entry"]}
    assert set(held) == {"王秀英", "张小宝"}
    assert all(c["id"].startswith("binding-") and c["status"] == "active" for c in held.values())
    mother = held["王秀英"]
    assert _scopes(mother) == {"show_code": "permit", "view_insurance": "permit", "view_account": "deny"}
    assert mother["extension"][0]["valueCoding"]["code"] == "self_approval"
    minor = held["张小宝"]
    assert minor["extension"][0]["valueCoding"]["code"] == "guardian"
    assert minor["performer"][0]["display"] == "张伟"  # a guardian decides a minor's scopes


def test_the_bound_person_sees_the_binding_and_a_read_by_id_is_the_same(world):
    token = world.token(GRANDMA_PHONE)
    over_me = world.get("/fhir/R4/Consent", token, patient=world.id("王秀英"))
    kinds = sorted(e["resource"]["id"].split("-")[0] for e in over_me["entry"])
    assert kinds == ["binding"]  # she gives no grant; her son holds a binding over her
    binding = over_me["entry"][0]["resource"]
    assert world.get(f"/fhir/R4/Consent/{binding['id']}", token) == binding
    received = world.get("/fhir/R4/Consent", token, actor=world.id("王秀英"))
    assert [e["resource"]["patient"]["display"] for e in received["entry"]] == ["张伟"]


def test_scopes_follow_the_bound_persons_choice(world, rt):
    with rt.db.read() as s:
        binding = s.exec(Binding.__table__.select().where(Binding.subject_id == world.people["王秀英"].id)).one()
    bindings.set_binding_scopes(rt, household(rt, world.people["王秀英"]), binding.id, view_insurance=False,
                                view_account=True)
    consent = world.get(f"/fhir/R4/Consent/binding-{binding.id}", world.token(FATHER_PHONE))
    assert _scopes(consent) == {"show_code": "permit", "view_insurance": "deny", "view_account": "permit"}


def test_others_see_no_consent(world):
    father = world.token(FATHER_PHONE)
    consent_id = world.get("/fhir/R4/Consent", father, patient=world.id("张伟"))["entry"][0]["resource"]["id"]
    # The mother is no party to the father's grant to his mother, and may not list his consents.
    mother = world.token(MOTHER_PHONE)
    grant_to_grandma = next(e["resource"]["id"] for e in world.get("/fhir/R4/Consent", father, patient=world.id("张伟"))["entry"]
                            if e["resource"]["provision"]["actor"][0]["reference"]["display"] == "王秀英")
    world.get(f"/fhir/R4/Consent/{grant_to_grandma}", mother, status=404)
    assert world.get("/fhir/R4/Consent", mother, patient=world.id("张伟"))["total"] == 0
    world.get(f"/fhir/R4/Consent/{consent_id}", world.pharmacy_key, status=404)
    world.get("/fhir/R4/Consent/grant-nonsense", father, status=404)
    world.get("/fhir/R4/Consent/other-" + consent_id.split("-", 1)[1], father, status=404)
