"""A partner resolving a family-account code, end to end against `make run` (demo data).

    .venv/bin/python docs/examples/resolve_code.py [http://127.0.0.1:8000]

1. 张伟's phone app signs in and asks for a code for his mother 王秀英 (he holds a family-account
   binding for her).
2. The pharmacy scans that code and resolves it with its API key: whose code it is (name masked),
   their insurance, and who showed it.
"""

import json
import sys

import httpx

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
PHARMACY_KEY = "yb_c16d7bec2676_09acf00cf538eba810fc50cd513830a003fd1ddc"  # demo data only


def graphql(token: str, query: str, **variables) -> dict:
    response = httpx.post(f"{BASE}/graphql", json={"query": query, "variables": variables},
                          headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"})
    response.raise_for_status()
    return response.json()["data"]


# 1. The family member's app.
token = httpx.post(f"{BASE}/auth/token", json={"username": "13800000001", "password": "demo1234"}).json()["access_token"]
held = graphql(token, "{ viewer { ... on Person { heldBindings { edges { node { subject { id name } } } } } } }")
mother = next(e["node"]["subject"]["id"] for e in held["viewer"]["heldBindings"]["edges"]
              if e["node"]["subject"]["name"] == "王秀英")
issued = graphql(token, """mutation($id: ID!) { issueCode(input: {subjectId: $id}) {
    ... on IssuedCodePayload { issuedCode { text expiresAt } }
    ... on OperationError { code message } } }""", id=mother)["issueCode"]
code = issued["issuedCode"]["text"]
print("code shown on the phone:", code)

# 2. The pharmacy's point-of-sale system.
resolved = graphql(PHARMACY_KEY, """query($code: String!) { resolveCode(code: $code) {
    __typename
    ... on ResolvedCode { expiresAt
      subject { maskedName insuranceType regionName insuranceActive }
      presentedBy { isSubject maskedName relationshipToSubject } }
    ... on OperationError { code message } } }""", code=code)["resolveCode"]
print(json.dumps(resolved, ensure_ascii=False, indent=2))
