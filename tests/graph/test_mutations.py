"""Mutations: typed error results that write nothing, successes that write their audit event."""

from datetime import date

import pytest

from backend.domain.idnumber import Sex
from backend.graph.core.ids import to_global_id
from backend.principals import Actor, Channel
from backend.services.people import family
from backend.storage.models import AuditEvent, Household, HouseholdMember, Relationship
from tests.helpers import audit_events, count, gql, household_principal, partner, person, relate, staff

pytestmark = [pytest.mark.serializable, pytest.mark.pooler]

CLAIM = """mutation($input: ClaimRelationshipInput!) {
  claimRelationship(input: $input) {
    __typename
    ... on OperationError { code message field }
    ... on RelationshipPayload { relationship { kind status person { name idNumber } } }
  }
}"""


@pytest.fixture
def pair(rt):
    return person(rt, "张伟", date(1978, 3, 14), Sex.MALE), person(rt, "王秀英", date(1952, 5, 20))


def _writes(rt):
    return tuple(count(rt, model) for model in (Relationship, AuditEvent, Household, HouseholdMember))


@pytest.mark.parametrize(
    "override, code, field",
    [
        ({"kind": "cousin"}, "NOT_NEAR_RELATIVE", "kind"),
        ({"kind": "parent_in_law"}, "NOT_NEAR_RELATIVE", "kind"),
        ({"idNumber": "110105194912310021"}, "ID_NUMBER_CHECK_DIGIT", "idNumber"),
        ({"idNumber": "37010219520520"}, "ID_NUMBER_LENGTH", "idNumber"),
        ({"idNumber": "370102195213201234"}, "ID_NUMBER_BIRTH_DATE", "idNumber"),
        ({"name": "王秀"}, "PERSON_NOT_FOUND", "idNumber"),
        ({"kind": "child"}, "AGE_INCONSISTENT", "kind"),
    ],
)
def test_claim_refusals_are_typed_and_write_nothing(rt, pair, override, code, field):
    me, mum = pair
    before = _writes(rt)
    values = {"idNumber": mum.id_number, "name": mum.name, "kind": "parent", **override}
    result = gql(rt, household_principal(me), CLAIM, input=values)
    assert result.errors is None
    payload = result.data["claimRelationship"]
    assert (payload["__typename"], payload["code"], payload["field"]) == ("OperationError", code, field)
    assert payload["message"]
    assert _writes(rt) == before


def test_refusal_messages_come_in_chinese_by_default_and_english_on_request(rt, pair):
    me, mum = pair
    values = {"idNumber": mum.id_number, "name": mum.name, "kind": "cousin"}
    zh = gql(rt, household_principal(me), CLAIM, locale="zh_CN", input=values).data["claimRelationship"]["message"]
    en = gql(rt, household_principal(me), CLAIM, locale="en", input=values).data["claimRelationship"]["message"]
    assert "R1" in zh and "近亲属" in zh and "堂表兄弟姐妹" in zh
    assert "R1" in en and "cousin" in en


def test_a_successful_claim_is_visible_to_the_claimant_with_the_masked_id(rt, pair):
    me, mum = pair
    result = gql(rt, household_principal(me), CLAIM, input={"idNumber": mum.id_number, "name": mum.name, "kind": "parent"})
    rel = result.data["claimRelationship"]["relationship"]
    assert rel["kind"] == "PARENT" and rel["status"] == "CLAIMED"
    assert rel["person"] == {"name": "王秀英", "idNumber": mum.id_number[:4] + "*" * 10 + mum.id_number[-4:]}
    assert len(audit_events(rt, "relationship.claim")) == 1


def test_not_allowed_is_a_typed_result_too(rt, pair):
    me, mum = pair
    row = relate(rt, me, mum, "parent")
    query = """mutation($id: ID!) { verifyRelationship(input: {relationshipId: $id, method: REGISTRY}) {
      __typename ... on OperationError { code } } }"""
    for principal in (household_principal(me), partner(rt)[0], staff(rt, "auditor")):
        before = _writes(rt)
        result = gql(rt, principal, query, id=to_global_id("Relationship", row.id))
        assert result.data["verifyRelationship"] == {"__typename": "OperationError", "code": "NOT_ALLOWED"}
        assert _writes(rt) == before
    ok = gql(rt, staff(rt, "clerk"), query, id=to_global_id("Relationship", row.id))
    assert ok.data["verifyRelationship"]["__typename"] == "RelationshipPayload"


def test_staff_reads_of_personal_data_are_audited_once_per_person(rt, pair):
    me, mum = pair
    relate(rt, me, mum, "parent")
    auditor = staff(rt, "auditor")
    result = gql(rt, auditor, """query($id: ID!) { node(id: $id) { ... on Person {
        name idNumber phone family { edges { node { name } } } } } }""", id=to_global_id("Person", me.id))
    assert result.errors is None
    reads = audit_events(rt, "person.read")
    assert {e.subject_person_id for e in reads} == {me.id, mum.id}
    assert all(e.actor_id == str(auditor.id) and e.acting_as == "staff:auditor" for e in reads)
    mine = next(e for e in reads if e.subject_person_id == me.id)
    assert "Person.idNumber" in mine.detail and "Person.family" in mine.detail


def test_staff_searches_are_audited(rt, pair):
    gql(rt, staff(rt), '{ people(search: "王") { totalCount } }')
    (event,) = audit_events(rt, "person.search")
    assert '"query": "王"' in event.detail and '"results": 1' in event.detail


def test_household_reads_of_family_are_not_audit_noise(rt, pair):
    me, mum = pair
    relate(rt, me, mum, "parent")
    gql(rt, household_principal(me), "{ viewer { ... on Person { family { edges { node { name } } } } } }")
    assert audit_events(rt, "person.read") == []


HOUSEHOLD_OPS = """
mutation Create($name: String!) { createHousehold(input: {name: $name}) {
  __typename ... on OperationError { code field } ... on HouseholdPayload { household { id name members { totalCount } } } } }
mutation Rename($id: ID!, $name: String!) { renameHousehold(input: {householdId: $id, name: $name}) {
  __typename ... on OperationError { code field } ... on HouseholdPayload { household { name } } } }
mutation Add($id: ID!, $person: ID!) { addHouseholdMember(input: {householdId: $id, personId: $person}) {
  __typename ... on OperationError { code field } ... on HouseholdPayload { household { members { edges { node { name } } } } } } }
mutation Remove($id: ID!, $person: ID!) { removeHouseholdMember(input: {householdId: $id, personId: $person}) {
  __typename ... on OperationError { code field } } }
"""


def _op(rt, principal, operation, **variables):
    result = gql(rt, principal, HOUSEHOLD_OPS, operation=operation, **variables)
    assert result.errors is None, result.errors
    return next(iter(result.data.values()))


def test_household_lifecycle_through_the_graph(rt, pair):
    me, mum = pair
    stranger = person(rt, "路人", date(1990, 1, 1))
    p = household_principal(me)
    created = _op(rt, p, "Create", name="张家")
    assert created["household"]["name"] == "张家" and created["household"]["members"]["totalCount"] == 1
    hid = created["household"]["id"]
    assert _op(rt, p, "Rename", id=hid, name="  ")["code"] == "NAME_REQUIRED"
    assert _op(rt, p, "Rename", id=hid, name="张家大院")["household"]["name"] == "张家大院"
    # Only a relative of mine can be added; a stranger cannot.
    assert _op(rt, p, "Add", id=hid, person=to_global_id("Person", stranger.id))["code"] == "NOT_FAMILY"
    row = relate(rt, me, mum, "parent")
    # A bare claim is not enough: a household makes its members family to one another.
    assert _op(rt, p, "Add", id=hid, person=to_global_id("Person", mum.id))["code"] == "NOT_FAMILY"
    family.verify_relationship(rt, Actor(staff(rt), Channel.CONSOLE), row.id, "registry")
    added = _op(rt, p, "Add", id=hid, person=to_global_id("Person", mum.id))
    assert {e["node"]["name"] for e in added["household"]["members"]["edges"]} == {"张伟", "王秀英"}
    assert _op(rt, p, "Add", id=hid, person=to_global_id("Person", mum.id))["code"] == "ALREADY_MEMBER"
    # Outsiders cannot touch it, and cannot tell whether it exists.
    assert _op(rt, household_principal(stranger), "Rename", id=hid, name="x")["code"] == "NOT_FOUND"
    assert _op(rt, p, "Add", id="bm90LWFuLWlk", person=to_global_id("Person", mum.id))["code"] == "NOT_FOUND"
    # The last member out ends the household.
    assert _op(rt, p, "Remove", id=hid, person=to_global_id("Person", mum.id))["__typename"] == "HouseholdPayload"
    assert _op(rt, p, "Remove", id=hid, person=to_global_id("Person", me.id))["__typename"] == "HouseholdPayload"
    assert count(rt, Household) == 0
    actions = [e.action for e in audit_events(rt) if e.action.startswith("household.")]
    assert actions == ["household.create", "household.rename", "household.member_add",
                       "household.member_remove", "household.member_remove"]


def test_a_rejected_relative_still_shows_by_name_in_my_family(rt, pair):
    me, mum = pair
    row = relate(rt, me, mum, "parent")
    family.reject_relationship(rt, Actor(staff(rt), Channel.CONSOLE), row.id, "户籍不符")
    result = gql(rt, household_principal(me), """{ viewer { ... on Person { family { edges {
        node { name idNumber birthDate insurance { type } } relationship { status rejectionReason } } } } } }""")
    (edge,) = result.data["viewer"]["family"]["edges"]
    assert edge["relationship"] == {"status": "REJECTED", "rejectionReason": "户籍不符"}
    assert edge["node"]["name"] == "王秀英" and edge["node"]["idNumber"].startswith("3701****")
    assert edge["node"]["birthDate"] is None and edge["node"]["insurance"] is None  # no longer family


def test_leaving_a_household_returns_no_household(rt, pair):
    me, _ = pair
    hid = _op(rt, household_principal(me), "Create", name="张家")["household"]["id"]
    result = gql(rt, household_principal(me), """mutation($id: ID!, $p: ID!) { removeHouseholdMember(
        input: {householdId: $id, personId: $p}) { __typename ... on HouseholdPayload { household { name } } } }""",
                 id=hid, p=to_global_id("Person", me.id))
    assert result.errors is None
    assert result.data["removeHouseholdMember"] == {"__typename": "HouseholdPayload", "household": None}


AUDIT = """query($id: ID) { auditEvents(subjectId: $id, first: 50) { totalCount
  edges { node { action actorKind actingAs channel subject { name } detail } } } }"""


def test_auditors_read_the_audit_log_and_that_read_is_audited_too(rt, pair):
    me, mum = pair
    relate(rt, me, mum, "parent")
    auditor = staff(rt, "auditor")
    log = gql(rt, auditor, AUDIT, id=to_global_id("Person", mum.id)).data["auditEvents"]
    actions = [e["node"]["action"] for e in log["edges"]]
    assert "relationship.claim" in actions and "person.register" in actions
    claim = next(e["node"] for e in log["edges"] if e["node"]["action"] == "relationship.claim")
    assert claim["actingAs"] == "household" and claim["subject"] == {"name": "王秀英"}
    assert [e.subject_person_id for e in audit_events(rt, "audit.read")] == [mum.id]
    for refused in (staff(rt, "clerk"), household_principal(me)):
        result = gql(rt, refused, AUDIT, id=None)
        assert result.data == {"auditEvents": None} and result.errors[0].extensions["code"] == "FORBIDDEN"
