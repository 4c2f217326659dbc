"""The FHIR endpoints over HTTP: the CapabilityStatement, credentials, and errors as OperationOutcome."""

from sqlmodel import select

from backend.principals import Actor, Channel
from backend.services.admin import partners
from backend.storage.models import Institution
from tests.fhir.validate import valid
from tests.helpers import staff

FATHER_PHONE = "13800000001"


def test_the_capability_statement_is_public_and_names_what_is_served(world):
    statement = world.get("/fhir/R4/metadata", None)
    assert statement["fhirVersion"] == "4.0.1" and statement["format"] == ["json"]
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(resources) == {"Patient", "RelatedPerson", "Coverage", "Consent", "ClaimResponse", "PaymentReconciliation"}
    token = world.token(FATHER_PHONE)
    for name, resource in resources.items():
        codes = {i["code"] for i in resource["interaction"]}
        # What the statement promises is served: a read answers 404 (not 405 or an unknown type).
        read = world.client.get(f"/fhir/R4/{name}/00000000-0000-0000-0000-000000000000",
                                headers={"Authorization": f"Bearer {token}"})
        assert (read.json()["issue"][0]["code"] == "not-found") == ("read" in codes), name
        assert "search-type" in codes and resource["searchParam"]


def test_no_credential_or_a_wrong_one_is_asked_to_sign_in(world):
    for headers in ({}, {"Authorization": "Bearer yb_nothing_here"}, {"Authorization": "Basic abc"}):
        r = world.client.get(f"/fhir/R4/Patient/{world.id('张伟')}", headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
        assert valid(r.json())["issue"][0]["code"] == "login"


def test_unknown_revoked_and_disabled_keys_get_the_same_401(world, rt):
    admin = Actor(staff(rt, "admin"), Channel.CONSOLE)
    partners.revoke_key(rt, admin, world.pharmacy_key.split("_")[1], reason="leaked")
    with rt.db.read() as s:
        hospital = s.exec(select(Institution).where(Institution.name == "济南市第一人民医院")).one()
    partners.disable_partner(rt, admin, hospital.id, reason="contract ended")
    answers = []
    for key in ("yb_0123456789ab_made-up-secret", world.pharmacy_key, world.hospital_key):
        r = world.client.get("/fhir/R4/ClaimResponse", headers={"Authorization": f"Bearer {key}"})
        answers.append((r.status_code, r.headers["www-authenticate"], valid(r.json())))
    assert answers[0] == answers[1] == answers[2] and answers[0][0] == 401
    assert answers[0][2]["issue"][0]["code"] == "login"


def test_a_session_cookie_is_no_credential(world):
    world.client.post("/auth/token", json={"username": FATHER_PHONE, "password": "demo1234"})
    assert world.client.get("/fhir/R4/ClaimResponse").status_code == 401


def test_guessing_api_keys_is_throttled(world):
    prefix = world.pharmacy_key.split("_")[1]
    for _ in range(10):
        world.client.get("/fhir/R4/ClaimResponse", headers={"Authorization": f"Bearer yb_{prefix}_wrong"})
    r = world.client.get("/fhir/R4/ClaimResponse", headers={"Authorization": f"Bearer yb_{prefix}_wrong"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert valid(r.json())["issue"][0]["code"] == "throttled"


def test_the_export_is_read_only(world):
    for method in ("POST", "PUT", "DELETE"):
        r = world.client.request(method, "/fhir/R4/Patient", headers={"Authorization": f"Bearer {world.pharmacy_key}"},
                                 json={"resourceType": "Patient"})
        assert r.status_code == 405 and r.headers["allow"] == "GET"
        assert valid(r.json())["issue"][0]["code"] == "not-supported"


def test_unknown_types_and_parameters_are_refused_in_the_callers_language(world):
    key = world.pharmacy_key
    assert world.get("/fhir/R4/Observation", key, status=404)["issue"][0]["code"] == "not-supported"
    unknown = world.get("/fhir/R4/Patient", key, status=400, name="张")
    assert unknown["issue"][0]["diagnostics"] == "The search parameter name is not supported for Patient."
    assert world.get("/fhir/R4/Patient", key, status=400)["issue"][0]["code"] == "required"
    for count in ("0", "101", "x"):
        assert world.get("/fhir/R4/ClaimResponse", key, status=400, _count=count)["issue"][0]["code"] == "invalid"
    r = world.client.get("/fhir/R4/Patient", params={"name": "x"},
                         headers={"Authorization": f"Bearer {key}", "Accept-Language": "zh-CN"})
    assert r.json()["issue"][0]["diagnostics"] == "Patient 不支持搜索参数 name。"
