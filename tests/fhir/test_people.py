"""Patient, RelatedPerson and Coverage: what each caller sees is what the graph shows them."""

from sqlmodel import select

from backend.storage.models import AuditEvent
from tests import money
from tests.fhir.conftest import code_for
from web.fhir import systems

FATHER_PHONE, GRANDMA_PHONE = "13800000001", "13800000003"


def _masked(resource) -> bool:
    return any(s["code"] == "MASKED" for s in resource.get("meta", {}).get("security", []))


def test_a_person_reads_themselves_whole_and_relatives_masked(world):
    token = world.token(FATHER_PHONE)
    me = world.get(f"/fhir/R4/Patient/{world.id('张伟')}", token)
    assert me["name"] == [{"text": "张伟"}] and me["gender"] == "male" and me["birthDate"] == "1978-03-14"
    assert me["identifier"][0]["system"] == systems.ID_NUMBER and "*" not in me["identifier"][0]["value"]
    assert me["telecom"][0]["value"] == FATHER_PHONE and not _masked(me)

    son = world.get(f"/fhir/R4/Patient/{world.id('张小宝')}", token)
    assert son["name"] == [{"text": "张小宝"}] and _masked(son)
    assert son["identifier"][0]["value"].startswith("3701") and "*" in son["identifier"][0]["value"]


def test_nobody_reads_a_person_the_graph_does_not_show_them(world):
    # 李德明 is the mother's father: no relation of the father's.
    outcome = world.get(f"/fhir/R4/Patient/{world.id('李德明')}", world.token(FATHER_PHONE), status=404)
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "not-found"
    # A partner never reads a person, only what a code it scanned shows.
    world.get(f"/fhir/R4/Patient/{world.id('张伟')}", world.pharmacy_key, status=404)
    world.get("/fhir/R4/Patient/not-a-uuid", world.pharmacy_key, status=404)


def test_staff_reads_are_audited_on_the_fhir_channel(world, rt):
    token = world.token("auditor01", "auditor1234")
    assert world.get(f"/fhir/R4/Patient/{world.id('李德明')}", token)["name"] == [{"text": "李德明"}]
    with rt.db.read() as s:
        reads = s.exec(select(AuditEvent).where(AuditEvent.action == "person.read")).all()
    assert [(e.channel, e.subject_person_id) for e in reads] == [("fhir", world.people["李德明"].id)]


def test_a_partner_finds_the_person_a_scanned_code_is_for(world, rt):
    code = code_for(rt, world.people["张伟"], world.people["王秀英"])
    bundle = world.get("/fhir/R4/Patient", world.pharmacy_key, identifier=f"{systems.PRESENTED_CODE}|{code}")
    assert bundle["total"] == 1
    (patient, mode), (coverage, _), (presenter, _) = [(e["resource"], e["search"]["mode"]) for e in bundle["entry"]]
    assert mode == "match" and patient["resourceType"] == "Patient" and "id" not in patient
    assert patient["name"] == [{"text": "王*英"}] and _masked(patient)
    assert set(patient) == {"resourceType", "meta", "identifier", "name"}  # nothing resolveCode does not show
    assert coverage["resourceType"] == "Coverage" and coverage["status"] == "active"
    assert coverage["beneficiary"]["reference"] == bundle["entry"][0]["fullUrl"]
    assert coverage["type"]["coding"][0]["code"] == "resident"
    assert presenter["resourceType"] == "RelatedPerson" and presenter["name"] == [{"text": "张*"}]
    assert presenter["relationship"][0]["coding"][1]["code"] == "CHILD"  # the son showed his mother's code
    # A bare code works too, and resolving did not use it up.
    assert world.get("/fhir/R4/Patient", world.pharmacy_key, identifier=code)["total"] == 1


def test_a_code_that_no_longer_works_says_why_in_the_bundle(world, rt):
    code = code_for(rt, world.people["张伟"], world.people["张伟"])
    bundle = world.get("/fhir/R4/Patient", world.pharmacy_key, identifier=code[:-1] + ("A" if code[-1] != "A" else "B"))
    assert bundle["total"] == 0
    outcome = bundle["entry"][0]
    assert outcome["search"]["mode"] == "outcome"
    assert outcome["resource"]["issue"][0]["details"]["coding"][0]["code"] in ("CODE_FORGED", "CODE_UNKNOWN")


def test_only_partners_search_by_a_code(world, rt):
    code = code_for(rt, world.people["张伟"], world.people["张伟"])
    outcome = world.get("/fhir/R4/Patient", world.token(FATHER_PHONE), status=403, identifier=code)
    assert outcome["issue"][0]["code"] == "forbidden"


def test_relatives_with_their_kinship_paged(world):
    token = world.token(FATHER_PHONE)
    first = world.get("/fhir/R4/RelatedPerson", token, patient=f"Patient/{world.id('张伟')}", _count="3")
    assert first["total"] == 5 and len(first["entry"]) == 3
    following = next(link["url"] for link in first["link"] if link["relation"] == "next")
    rest = world.get(following.removeprefix("http://testserver"), token)
    assert "next" not in {link["relation"] for link in rest["link"]}
    relatives = {e["resource"]["name"][0]["text"]: e["resource"] for e in first["entry"] + rest["entry"]}
    assert set(relatives) == {"李娜", "王秀英", "张晓雨", "张小宝", "张小安"}
    kinds = {name: r["relationship"][0]["coding"][0]["code"] for name, r in relatives.items()}
    assert kinds == {"李娜": "spouse", "王秀英": "parent", "张晓雨": "child", "张小宝": "child", "张小安": "child"}
    assert relatives["王秀英"]["relationship"][0]["text"] == "mother"
    assert all(r["patient"]["reference"] == f"Patient/{world.id('张伟')}" and r["active"] for r in relatives.values())
    assert len({r["id"] for r in relatives.values()}) == 5
    # Each reads back by its id the same, kind and label included (one side of each relationship).
    for resource in relatives.values():
        assert world.get(f"/fhir/R4/RelatedPerson/{resource['id']}", token) == resource
    # The other side of the father's relationship with his mother: he, her son, as she sees it.
    other = relatives["王秀英"]["id"].rsplit(".", 1)
    grandma = world.token("13800000003")
    son = world.get(f"/fhir/R4/RelatedPerson/{other[0]}.{'person' if other[1] == 'relative' else 'relative'}", grandma)
    assert son["name"] == [{"text": "张伟"}] and son["relationship"][0]["text"] == "son"
    assert son["relationship"][0]["coding"][0]["code"] == "child"
    assert son["patient"]["reference"] == f"Patient/{world.id('王秀英')}"
    # Nobody else reads it.
    world.get(f"/fhir/R4/RelatedPerson/{relatives['王秀英']['id']}", world.token("13800000002"), status=404)
    world.get(f"/fhir/R4/RelatedPerson/{other[0]}.nobody", token, status=404)
    # Each names the relative's own Patient, which reads as the graph shows that relative.
    own = relatives["王秀英"]["extension"][0]
    assert own["url"] == systems.EXT_RELATED_PATIENT
    assert world.get(f"/fhir/R4/{own['valueReference']['reference']}", token)["name"] == [{"text": "王秀英"}]


def test_oneself_by_id_number_and_staff_anyone(world):
    number = world.people["张伟"].id_number
    father = world.token(FATHER_PHONE)
    found = world.get("/fhir/R4/Patient", father, identifier=f"{systems.ID_NUMBER}|{number}")
    assert [e["resource"]["id"] for e in found["entry"]] == [world.id("张伟")]
    grandma = world.people["王秀英"].id_number
    assert world.get("/fhir/R4/Patient", father, identifier=f"{systems.ID_NUMBER}|{grandma}")["total"] == 0
    assert world.get("/fhir/R4/Patient", world.pharmacy_key, identifier=f"{systems.ID_NUMBER}|{number}")["total"] == 0
    staff = world.token("clerk01", "clerk1234")
    found = world.get("/fhir/R4/Patient", staff, identifier=f"{systems.ID_NUMBER}|{grandma}")
    assert [e["resource"]["name"][0]["text"] for e in found["entry"]] == ["王秀英"]


def test_someone_elses_relatives_are_not_listed(world):
    bundle = world.get("/fhir/R4/RelatedPerson", world.token(FATHER_PHONE), patient=world.id("李娜"))
    assert bundle["total"] == 0 and "entry" not in bundle


def test_coverage_with_the_personal_account_where_the_graph_shows_it(world, rt):
    token = world.token(FATHER_PHONE)
    mine = world.get(f"/fhir/R4/Coverage/{world.id('张伟')}", token)
    balance = next(x for x in mine["extension"] if x["url"] == systems.EXT_PERSONAL_ACCOUNT)["valueMoney"]
    assert balance == {"value": money.balance(rt, world.people["张伟"]) / 100, "currency": "CNY"}
    assert mine["status"] == "active" and mine["type"]["coding"][0]["code"] == "employee"
    assert mine["payor"][0]["identifier"]["value"] == "370102"
    assert mine["beneficiary"]["reference"] == f"Patient/{world.id('张伟')}"
    # His mother's: he holds a binding with view_insurance (and she has no account).
    hers = world.get("/fhir/R4/Coverage", token, beneficiary=f"Patient/{world.id('王秀英')}")
    assert hers["total"] == 1 and hers["entry"][0]["resource"]["type"]["coding"][0]["code"] == "resident"
    # His wife's: no binding, so the graph hides her insurance status, and there is no Coverage to show.
    assert world.get("/fhir/R4/Coverage", token, beneficiary=world.id("李娜"))["total"] == 0
    world.get(f"/fhir/R4/Coverage/{world.id('李娜')}", token, status=404)
