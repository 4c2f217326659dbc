"""Elderly mode through the graph, on both databases: a person turns it on for themselves, it is kept
with the person (and read with their session), audited; nobody else may set or see it."""

from datetime import date

from backend.graph.core.ids import to_global_id
from backend.principals import Channel
from backend.services.platform import sessions
from tests.helpers import audit_events, gql, household_principal, partner, person, relate, staff

SET = """mutation($on: Boolean!) { setElderlyMode(input: {on: $on}) { __typename
  ... on PreferencesPayload { preferences { elderlyMode } } ... on OperationError { code } } }"""
MINE = "{ viewer { ... on Person { preferences { elderlyMode } } } }"
OF = "query($id: ID!) { node(id: $id) { ... on Person { name preferences { elderlyMode } } } }"


def test_a_person_turns_elderly_mode_on_and_off_and_it_is_kept(rt):
    grandma = person(rt, "王秀英", date(1952, 5, 20))
    me = household_principal(grandma)
    assert gql(rt, me, MINE).data["viewer"]["preferences"] == {"elderlyMode": False}
    assert gql(rt, me, SET, on=True).data["setElderlyMode"] == {
        "__typename": "PreferencesPayload", "preferences": {"elderlyMode": True}}
    assert gql(rt, me, MINE).data["viewer"]["preferences"] == {"elderlyMode": True}
    # Every device she signs in on reads it with her session.
    secret = sessions.start(rt, me, ttl_seconds=600, channel=Channel.WEB)
    assert sessions.resolve(rt, secret).elderly_mode is True
    gql(rt, me, SET, on=False)
    assert sessions.resolve(rt, secret).elderly_mode is False
    assert [e.detail for e in audit_events(rt, "preferences.elderly_mode")] == ['{"on": true}', '{"on": false}']


def test_only_the_person_sees_it_and_only_a_household_member_sets_it(rt):
    clerk = staff(rt)
    grandma = person(rt, "王秀英", date(1952, 5, 20))
    son = person(rt, "张伟", date(1978, 3, 14))
    relate(rt, son, grandma, "parent", verify_with=clerk)
    result = gql(rt, household_principal(son), OF, id=to_global_id("Person", grandma.id))
    assert result.data["node"] == {"name": "王秀英", "preferences": None}
    assert result.errors[0].extensions["code"] == "FORBIDDEN"
    pharmacy, _ = partner(rt)
    refused = gql(rt, pharmacy, SET, on=True)
    assert refused.data["setElderlyMode"] == {"__typename": "OperationError", "code": "NOT_ALLOWED"}
