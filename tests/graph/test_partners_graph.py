"""The partners package of the graph: admins register partners, rotate and revoke keys, manage staff.

Over HTTP where it matters: a key revoked through the graph is refused on the partner's next request.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from backend.graph.core.ids import to_global_id
from tests.helpers import audit_events, gql, staff
from web.app import create_app

VIEWER = {"query": "{ viewer { __typename ... on Institution { name } ... on StaffUser { role } } }"}
REGISTER = """
mutation($name: String!, $reason: String!) {
  registerPartner(input: {name: $name, kind: PHARMACY, regionCode: "370102", reason: $reason}) {
    __typename
    ... on IssuedApiKeyPayload { partner { id name disabledAt } apiKey { plaintext key { id prefix live } } }
    ... on OperationError { code field message }
  }
}"""
KEY_ACTION = """
mutation Rotate($id: ID!) {
  rotateApiKey(input: {keyId: $id, reason: "yearly rotation"}) {
    __typename
    ... on RotatedApiKeyPayload { apiKey { plaintext key { id prefix } } previous { prefix expiresAt live } }
    ... on OperationError { code field }
  }
}
mutation Revoke($id: ID!) {
  revokeApiKey(input: {keyId: $id, reason: "leaked"}) {
    __typename
    ... on RevokedApiKeyPayload { key { prefix revokedAt live } }
    ... on OperationError { code field }
  }
}"""
STAFF_ACTION = """
mutation Disable($id: ID!) {
  disableStaffUser(input: {staffId: $id, reason: "left the office"}) {
    __typename ... on StaffUserPayload { staffUser { username active } } ... on OperationError { code field }
  }
}
mutation Demote($id: ID!) {
  setStaffRole(input: {staffId: $id, role: CLERK, reason: "handing over"}) {
    __typename ... on StaffUserPayload { staffUser { role } } ... on OperationError { code field message }
  }
}"""


@pytest.fixture
def client(rt):
    with TestClient(create_app(rt), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def admin(rt):
    return staff(rt, "admin", username="admin01")


def _as_partner(client, key: str):
    """The key's viewer, or None for a key that opens nothing (401 UNAUTHENTICATED)."""
    answer = client.post("/graphql", json=VIEWER, headers={"Authorization": f"Bearer {key}"})
    if answer.status_code == 401:
        assert answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        return None
    return answer.json()["data"]["viewer"]


def test_register_rotate_and_revoke_through_the_graph(rt, admin, client):
    registered = gql(rt, admin, REGISTER, name="历下区康宁大药房", reason="contract 2026-17").data["registerPartner"]
    assert registered["__typename"] == "IssuedApiKeyPayload" and registered["partner"]["disabledAt"] is None
    first = registered["apiKey"]
    assert first["plaintext"].startswith(f"yb_{first['key']['prefix']}_") and first["key"]["live"]
    assert _as_partner(client, first["plaintext"]) == {"__typename": "Institution", "name": "历下区康宁大药房"}

    rotated = gql(rt, admin, KEY_ACTION, operation="Rotate", id=first["key"]["id"]).data["rotateApiKey"]
    assert rotated["previous"]["live"] and rotated["previous"]["expiresAt"].startswith("2026-03-03T09:30")
    second = rotated["apiKey"]["plaintext"]
    assert _as_partner(client, first["plaintext"]) is not None  # still in its grace period
    assert _as_partner(client, second)["name"] == "历下区康宁大药房"

    revoked = gql(rt, admin, KEY_ACTION, operation="Revoke", id=first["key"]["id"]).data["revokeApiKey"]
    assert revoked["key"]["live"] is False and revoked["key"]["revokedAt"]
    assert _as_partner(client, first["plaintext"]) is None  # the very next request
    assert _as_partner(client, second) is not None
    again = gql(rt, admin, KEY_ACTION, operation="Revoke", id=first["key"]["id"]).data["revokeApiKey"]
    assert again == {"__typename": "OperationError", "code": "KEY_NOT_LIVE", "field": "keyId"}
    assert [e.action for e in audit_events(rt) if e.action.startswith("partner.")] == [
        "partner.create", "partner.key_rotate", "partner.key_revoke"]


def test_typed_errors_name_the_field_and_write_nothing(rt, admin):
    no_reason = gql(rt, admin, REGISTER, name="药房", reason=" ").data["registerPartner"]
    assert no_reason["code"] == "REASON_REQUIRED" and no_reason["field"] == "reason"
    unknown = gql(rt, admin, KEY_ACTION, operation="Revoke", id=to_global_id("Institution", admin.id))
    assert unknown.data["revokeApiKey"] == {"__typename": "OperationError", "code": "NOT_FOUND", "field": "keyId"}
    assert audit_events(rt, "partner.create") == []


def test_disabling_a_partner_through_the_graph_refuses_its_keys(rt, admin, client):
    registered = gql(rt, admin, REGISTER, name="药房", reason="contract").data["registerPartner"]
    document = """mutation($id: ID!, $reason: String!) {
      disablePartner(input: {partnerId: $id, reason: $reason}) {
        __typename ... on PartnerPayload { partner { disabledAt } } ... on OperationError { code }
      }
    }"""
    done = gql(rt, admin, document, id=registered["partner"]["id"], reason="contract suspended").data
    assert done["disablePartner"]["partner"]["disabledAt"]
    assert _as_partner(client, registered["apiKey"]["plaintext"]) is None


def test_keys_are_for_admins_only(rt, admin):
    gql(rt, admin, REGISTER, name="药房", reason="contract")
    document = "{ institutions { edges { node { name apiKeys { prefix } } } } }"
    assert gql(rt, admin, document).data["institutions"]["edges"][0]["node"]["apiKeys"][0]["prefix"]
    refused = gql(rt, staff(rt, "auditor"), document)
    assert refused.data["institutions"] is None and refused.errors[0].extensions["code"] == "FORBIDDEN"


def test_the_last_admin_stays_and_a_disabled_user_is_signed_out(rt, admin, client):
    demote = gql(rt, admin, STAFF_ACTION, operation="Demote", id=to_global_id("StaffUser", admin.id))
    assert demote.data["setStaffRole"]["code"] == "LAST_ADMIN"
    clerk = staff(rt, "clerk", username="clerk07")
    token = client.post("/auth/token", json={"username": "clerk07", "password": "pw"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/graphql", json=VIEWER, headers=headers).json()["data"]["viewer"]["role"] == "CLERK"
    done = gql(rt, admin, STAFF_ACTION, operation="Disable", id=to_global_id("StaffUser", clerk.id))
    assert done.data["disableStaffUser"]["staffUser"] == {"username": "clerk07", "active": False}
    assert client.post("/graphql", json=VIEWER, headers=headers).status_code == 401
    listed = gql(rt, admin, "{ staffUsers { edges { node { username active } } } }").data["staffUsers"]["edges"]
    assert {"node": {"username": "clerk07", "active": False}} in listed


def test_partners_and_staff_are_listed_page_by_page(rt, admin):
    for name in ("丙医院", "甲药房", "乙诊所"):
        gql(rt, admin, REGISTER, name=name, reason="contract")
    for username in ("clerk02", "clerk03"):
        staff(rt, "clerk", username=username)
    pages = {}
    for field, node in (("institutions", "name"), ("staffUsers", "username")):
        first = gql(rt, admin, f"{{ {field}(first: 2) {{ totalCount pageInfo {{ hasNextPage endCursor }} "
                               f"edges {{ node {{ {node} }} }} }} }}").data[field]
        rest = gql(rt, admin, f'{{ {field}(first: 2, after: "{first["pageInfo"]["endCursor"]}") {{ totalCount '
                              f"pageInfo {{ hasNextPage }} edges {{ node {{ {node} }} }} }} }}").data[field]
        assert first["totalCount"] == rest["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
        assert len(first["edges"]) == 2 and len(rest["edges"]) == 1 and not rest["pageInfo"]["hasNextPage"]
        pages[field] = [e["node"][node] for e in first["edges"] + rest["edges"]]
    assert pages["staffUsers"] == ["admin01", "clerk02", "clerk03"]
    assert sorted(pages["institutions"]) == sorted(["丙医院", "甲药房", "乙诊所"])
    too_many = gql(rt, admin, "{ staffUsers(first: 101) { totalCount } }")
    assert too_many.errors[0].extensions["code"] == "PAGE_SIZE"
