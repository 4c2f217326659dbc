"""The FHIR R4 export, end to end against `make run` (demo data).

    .venv/bin/python docs/examples/fhir_partner.py [http://127.0.0.1:8000]

1. 张伟's phone app signs in and asks for a code for his mother 王秀英 (he holds a family-account
   binding for her).
2. The pharmacy's system reads the CapabilityStatement, finds the person the scanned code is for
   (Patient, with her Coverage and the relative who showed the code), settles the bill through the
   graph, and reads its settlements back as ClaimResponse.
3. 张伟's app reads his own Patient, Coverage, RelatedPersons and Consents.

Every resource is printed as the server sent it (application/fhir+json).
"""

import json
import sys

import httpx

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
FHIR = f"{BASE}/fhir/R4"
PHARMACY_KEY = "yb_c16d7bec2676_09acf00cf538eba810fc50cd513830a003fd1ddc"  # demo data only
PRESENTED_CODE = "urn:yibao-family:fhir:sid:presented-code"


def fhir(credential: str | None, path: str, **params) -> dict:
    headers = {"Accept": "application/fhir+json", "Accept-Language": "zh-CN"}
    if credential:
        headers["Authorization"] = f"Bearer {credential}"
    response = httpx.get(f"{FHIR}/{path}", params=params, headers=headers)
    response.raise_for_status()
    return response.json()


def graphql(credential: str, query: str, **variables) -> dict:
    response = httpx.post(f"{BASE}/graphql", json={"query": query, "variables": variables},
                          headers={"Authorization": f"Bearer {credential}"})
    response.raise_for_status()
    return response.json()["data"]


def show(title: str, resource: dict) -> None:
    print(f"--- {title}")
    print(json.dumps(resource, ensure_ascii=False, indent=2))


# 1. The family member's app shows a code for his mother.
token = httpx.post(f"{BASE}/auth/token", json={"username": "13800000001", "password": "demo1234"}).json()["access_token"]
me = graphql(token, "{ viewer { ... on Person { heldBindings { edges { node { subject { id name } } } } } } }")["viewer"]
mother = next(e["node"]["subject"]["id"] for e in me["heldBindings"]["edges"] if e["node"]["subject"]["name"] == "王秀英")
issued = graphql(token, "mutation($id: ID!) { issueCode(input: {subjectId: $id}) { ... on IssuedCodePayload { issuedCode { text expiresAt } } } }",
                 id=mother)["issueCode"]["issuedCode"]
code = issued["text"]

# 2. The pharmacy.
capabilities = fhir(None, "metadata")
print("served:", ", ".join(r["type"] for r in capabilities["rest"][0]["resource"]))
show("Patient?identifier=<scanned code>", fhir(PHARMACY_KEY, "Patient", identifier=f"{PRESENTED_CODE}|{code}"))
settled = graphql(PHARMACY_KEY, """mutation($input: SettleInput!) { settle(input: $input) {
    ... on SettlementPayload { settlement { id } } ... on OperationError { code message } } }""",
                  input={"code": code, "visitType": "PHARMACY", "serviceDate": issued["expiresAt"][:10],
                         "idempotencyKey": f"fhir-example-{code[-12:]}",
                         "lines": [{"itemCode": "86900001", "name": "阿莫西林胶囊", "category": "A", "unitPriceFen": 2500,
                                    "quantity": 2},
                                   {"itemCode": "99000001", "name": "纸巾", "category": "NON_MEDICAL", "unitPriceFen": 500}]})
print("settled:", settled["settle"])
claims = fhir(PHARMACY_KEY, "ClaimResponse", _count=10)
show("ClaimResponse (the pharmacy's own settlements)", claims)
show("ClaimResponse/<id>", fhir(PHARMACY_KEY, f"ClaimResponse/{claims['entry'][0]['resource']['id']}"))

# 3. The family member's app finds his own Patient by his ID number, then reads his records.
ID_NUMBER = "urn:yibao-family:fhir:sid:id-number"
found = fhir(token, "Patient", identifier=f"{ID_NUMBER}|370102197803141012")
patient_id = found["entry"][0]["resource"]["id"]
show("Patient/<id>", fhir(token, f"Patient/{patient_id}"))
show("Coverage/<id> (with the personal-account balance)", fhir(token, f"Coverage/{patient_id}"))
show("RelatedPerson?patient=<id>", fhir(token, "RelatedPerson", patient=f"Patient/{patient_id}"))
show("Consent?patient=<id> (grants he gives, bindings over him)", fhir(token, "Consent", patient=f"Patient/{patient_id}"))
show("Consent?actor=<id> (grants he receives, bindings he holds)", fhir(token, "Consent", actor=f"Patient/{patient_id}"))
