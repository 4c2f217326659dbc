"""Family accounts through the graph: scope gating field by field, issuing and resolving codes."""

from datetime import date

import pytest

from backend.domain.idnumber import Sex
from backend.graph.core.ids import to_global_id
from backend.services.family_account import bindings
from tests.helpers import actor_of, gql, household_principal, partner, person, relate, staff

SUBJECT = """query($id: ID!) { node(id: $id) { ... on Person {
  name idNumber insurance { type status } personalAccount { balanceFen } voucher { activated } } } }"""


@pytest.fixture
def world(rt):
    clerk = staff(rt, "clerk")
    father = person(rt, "张伟", date(1978, 3, 14), Sex.MALE, insurance="employee", balance_fen=500)
    mother = person(rt, "李娜", date(1980, 9, 2), insurance="employee", balance_fen=189_050)
    grandpa = person(rt, "李德明", date(1950, 11, 8), Sex.MALE, region="370303")
    relate(rt, mother, father, "spouse", verify_with=clerk)
    relate(rt, mother, grandpa, "parent", verify_with=clerk)
    return clerk, father, mother, grandpa


def _seen(rt, viewer, subject):
    result = gql(rt, household_principal(viewer), SUBJECT, id=to_global_id("Person", subject.id))
    node = result.data["node"]
    return {
        "insuranceStatus": node["insurance"]["status"] is not None,
        "balance": node["personalAccount"] is not None,
        "voucher": node["voucher"] is not None,
    }


def test_scopes_gate_what_a_holder_sees_field_by_field(rt, world):
    _, father, mother, _ = world
    for p in (father, mother):
        bindings.activate_voucher(rt, actor_of(p))
    # A verified spouse without a binding: name and insurance type, nothing the scopes guard.
    assert _seen(rt, father, mother) == {"insuranceStatus": False, "balance": False, "voucher": False}
    b = bindings.request_binding(rt, actor_of(father), mother.id)
    assert _seen(rt, father, mother) == {"insuranceStatus": False, "balance": False, "voucher": False}  # pending
    bindings.approve_binding(rt, actor_of(mother), b.id)
    # Default scopes: show_code and view_insurance on, view_account off.
    assert _seen(rt, father, mother) == {"insuranceStatus": True, "balance": False, "voucher": True}
    bindings.set_binding_scopes(rt, actor_of(mother), b.id, view_insurance=True, view_account=True)
    assert _seen(rt, father, mother) == {"insuranceStatus": True, "balance": True, "voucher": True}
    bindings.set_binding_scopes(rt, actor_of(mother), b.id, view_insurance=False, view_account=False)
    assert _seen(rt, father, mother) == {"insuranceStatus": False, "balance": False, "voucher": True}
    bindings.end_binding(rt, actor_of(father), b.id)
    assert _seen(rt, father, mother) == {"insuranceStatus": False, "balance": False, "voucher": False}
    # The holder's grant is one-way: the bound person sees nothing more of the holder.
    assert _seen(rt, mother, father) == {"insuranceStatus": False, "balance": False, "voucher": False}


ISSUE = """mutation($id: ID!) { issueCode(input: {subjectId: $id}) {
  __typename ... on OperationError { code field }
  ... on IssuedCodePayload { issuedCode { text expiresAt ttlSeconds qrSvg subject { name } presenter { name } } } } }"""

RESOLVE = """query($code: String!) { resolveCode(code: $code) {
  __typename ... on OperationError { code message }
  ... on ResolvedCode { expiresAt subject { maskedName insuranceType regionCode regionName insuranceActive }
    presentedBy { isSubject maskedName relationshipToSubject } } } }"""


def test_a_partner_resolves_a_code_shown_through_a_family_account(rt, world):
    _, father, mother, _ = world
    for p in (father, mother):
        bindings.activate_voucher(rt, actor_of(p))
    b = bindings.request_binding(rt, actor_of(mother), father.id)
    bindings.approve_binding(rt, actor_of(father), b.id)
    issued = gql(rt, household_principal(mother), ISSUE, id=to_global_id("Person", father.id)).data["issueCode"]
    code = issued["issuedCode"]
    assert code["subject"]["name"] == "张伟" and code["presenter"]["name"] == "李娜" and code["ttlSeconds"] == 60
    assert code["qrSvg"].startswith("<svg")
    pharmacy, _ = partner(rt)
    resolved = gql(rt, pharmacy, RESOLVE, locale="zh_CN", code=code["text"]).data["resolveCode"]
    assert resolved == {
        "__typename": "ResolvedCode", "expiresAt": code["expiresAt"],
        "subject": {"maskedName": "张*", "insuranceType": "EMPLOYEE", "regionCode": "370102", "regionName": "济南市",
                    "insuranceActive": True},
        "presentedBy": {"isSubject": False, "maskedName": "李*", "relationshipToSubject": "SPOUSE"},
    }


def test_code_refusals_are_typed(rt, world):
    _, father, mother, grandpa = world
    bindings.activate_voucher(rt, actor_of(father))
    no_binding = gql(rt, household_principal(father), ISSUE, id=to_global_id("Person", mother.id)).data["issueCode"]
    assert no_binding == {"__typename": "OperationError", "code": "NO_BINDING", "field": "subjectId"}
    pharmacy, _ = partner(rt)
    forged = gql(rt, pharmacy, RESOLVE, code="YB1NOTREAL").data["resolveCode"]
    assert forged["code"] == "CODE_FORGED" and forged["message"]


def test_only_partners_resolve_codes_and_only_household_members_issue_them(rt, world):
    _, father, _, _ = world
    bindings.activate_voucher(rt, actor_of(father))
    text = gql(rt, household_principal(father), ISSUE,
               id=to_global_id("Person", father.id)).data["issueCode"]["issuedCode"]["text"]
    for who in (household_principal(father), staff(rt, "admin")):
        result = gql(rt, who, RESOLVE, code=text)
        assert result.data == {"resolveCode": None} and result.errors[0].extensions["code"] == "FORBIDDEN"
    pharmacy, _ = partner(rt)
    refused = gql(rt, pharmacy, ISSUE, id=to_global_id("Person", father.id)).data["issueCode"]
    assert refused == {"__typename": "OperationError", "code": "NOT_ALLOWED", "field": None}


BINDING_FLOW = """
mutation Request($id: ID!) { requestBinding(input: {subjectId: $id}) {
  __typename ... on OperationError { code } ... on BindingPayload { binding { id status viewAccount holder { name } } } } }
mutation Approve($id: ID!) { approveBinding(input: {bindingId: $id}) {
  __typename ... on OperationError { code } ... on BindingPayload { binding { status consentVia } } } }
query Mine { viewer { ... on Person { heldBindings { totalCount edges { node { status subject { name } } } }
  subjectBindings { totalCount } } } }
"""


def test_binding_flow_through_the_graph(rt, world):
    clerk, father, mother, _ = world
    for p in (father, mother):
        bindings.activate_voucher(rt, actor_of(p))
    asked = gql(rt, household_principal(father), BINDING_FLOW, operation="Request",
                id=to_global_id("Person", mother.id)).data["requestBinding"]["binding"]
    assert asked["status"] == "PENDING" and asked["viewAccount"] is False and asked["holder"]["name"] == "张伟"
    mine = gql(rt, household_principal(father), BINDING_FLOW, operation="Mine").data["viewer"]
    assert mine["heldBindings"]["edges"][0]["node"] == {"status": "PENDING", "subject": {"name": "李娜"}}
    approved = gql(rt, clerk, BINDING_FLOW, operation="Approve", id=asked["id"]).data["approveBinding"]
    assert approved == {"__typename": "BindingPayload", "binding": {"status": "ACTIVE", "consentVia": "STAFF_COUNTER"}}
    assert gql(rt, household_principal(mother), BINDING_FLOW,
               operation="Mine").data["viewer"]["subjectBindings"]["totalCount"] == 1


def test_admins_set_policy_limits_through_the_graph(rt, world):
    query = """mutation($v: Int) { setPolicyLimit(input: {name: "bindings_per_holder", regionPrefix: "3701", value: $v}) {
      __typename ... on OperationError { code } ... on PolicyLimitPayload { limit { name regionPrefix value } } } }"""
    clerk = world[0]
    assert gql(rt, clerk, query, v=2).data["setPolicyLimit"] == {"__typename": "OperationError", "code": "NOT_ALLOWED"}
    done = gql(rt, staff(rt, "admin"), query, v=2).data["setPolicyLimit"]
    assert done["limit"] == {"name": "bindings_per_holder", "regionPrefix": "3701", "value": 2}


ACTIVATE = """mutation($id: ID) { activateVoucher(input: {personId: $id}) {
  __typename ... on VoucherPayload { voucher { activated } } ... on OperationError { code field } } }"""
WARDS = "{ viewer { ... on Person { wards { person { name } voucherActivated } } } }"


def test_a_guardian_sees_their_minor_children_and_activates_a_voucher(rt, world):
    clerk, father, mother, grandpa = world
    toddler = person(rt, "张小安", date(2022, 6, 18), Sex.MALE)
    relate(rt, father, toddler, "child", verify_with=clerk)
    father_p = household_principal(father)
    assert gql(rt, father_p, WARDS).data["viewer"]["wards"] == [{"person": {"name": "张小安"}, "voucherActivated": False}]
    assert gql(rt, household_principal(mother), WARDS).data["viewer"]["wards"] == []  # grandpa is an adult parent

    refused = gql(rt, household_principal(mother), ACTIVATE, id=to_global_id("Person", toddler.id)).data
    assert refused["activateVoucher"] == {"__typename": "OperationError", "code": "NOT_GUARDIAN", "field": "personId"}
    done = gql(rt, father_p, ACTIVATE, id=to_global_id("Person", toddler.id))
    assert done.errors is None and done.data["activateVoucher"]["voucher"] == {"activated": True}
    assert gql(rt, father_p, WARDS).data["viewer"]["wards"][0]["voucherActivated"] is True
    # Without personId the mutation still activates the caller's own.
    own = gql(rt, household_principal(grandpa), ACTIVATE, id=None)
    assert own.data["activateVoucher"]["voucher"] == {"activated": True}
