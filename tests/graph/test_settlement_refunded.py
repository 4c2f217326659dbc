"""Settlement.refunded: what refunds gave back, by where it went, for the partner and the household."""

import pytest

from backend.graph.core.ids import to_global_id
from backend.principals import Actor, Channel
from backend.services.family_account import bindings
from backend.services.money import settlement
from tests.helpers import actor_of, gql, household_principal
from tests.money import grant, jinan_family, line, settle_for

pytestmark = pytest.mark.serializable

REFUNDED = """query($id: ID!) { node(id: $id) { ... on Settlement {
  status fundFen ownAccountFen cashFen mutualAid { amountFen }
  refunded { totalFen fundFen ownAccountFen mutualAidFen cashFen } } } }"""
NOTHING = {"totalFen": 0, "fundFen": 0, "ownAccountFen": 0, "mutualAidFen": 0, "cashFen": 0}


def test_refunded_parts_add_up_to_what_each_pool_paid(rt):
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.son)
    bindings.request_binding(rt, actor_of(fam.father), fam.son.id)  # as guardian: active at once
    # The son's bill: List A over the resident deductible (the fund pays part), his father's grant the rest.
    settled, _ = settle_for(rt, fam.pharmacy, fam.father, fam.son,
                            [line("A", 300_00, code="A1"), line("NON_MEDICAL", 5_00, code="N1")])
    sid = to_global_id("Settlement", settled)
    before = gql(rt, fam.pharmacy, REFUNDED, id=sid).data["node"]
    assert before["refunded"] == NOTHING and before["mutualAid"][0]["amountFen"] > 0 and before["fundFen"] > 0

    settlement.refund(rt, Actor(fam.pharmacy, Channel.GRAPHQL),
                      settlement.RefundRequest(settled, (2,), idempotency_key="refund-line-two"))
    part = gql(rt, fam.pharmacy, REFUNDED, id=sid).data["node"]["refunded"]
    assert part == {**NOTHING, "totalFen": 5_00, "cashFen": 5_00}

    settlement.refund(rt, Actor(fam.pharmacy, Channel.GRAPHQL),
                      settlement.RefundRequest(settled, None, idempotency_key="refund-the-rest"))
    # The presenter (the father) reads it on his phone; everything came back to where it came from.
    node = gql(rt, household_principal(fam.father), REFUNDED, id=sid).data["node"]
    assert node["status"] == "refunded"
    assert node["refunded"] == {"totalFen": 305_00, "fundFen": node["fundFen"], "ownAccountFen": node["ownAccountFen"],
                                "mutualAidFen": node["mutualAid"][0]["amountFen"], "cashFen": node["cashFen"]}
    assert gql(rt, fam.hospital, REFUNDED, id=sid).data["node"] is None  # another partner's settlement


REFUNDS = """query($id: ID!) { node(id: $id) { ... on Settlement { fundFen ownAccountFen insurerFen
  mutualAid { amountFen } refunds { id kind reason createdAt lineNumbers amountFen fundFen ownAccountFen mutualAidFen
  cashFen insurerFen deductibleFen } } } }"""


def test_each_refund_is_a_record_with_its_time_lines_and_what_each_pool_got_back(rt):
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.son)
    bindings.request_binding(rt, actor_of(fam.father), fam.son.id)
    settled, _ = settle_for(rt, fam.pharmacy, fam.father, fam.son,
                            [line("A", 300_00, code="A1"), line("C", 40_00, code="C1"), line("NON_MEDICAL", 5_00)])
    sid = to_global_id("Settlement", settled)
    partner = Actor(fam.pharmacy, Channel.GRAPHQL)
    first_at = rt.clock.now()
    settlement.refund(rt, partner, settlement.RefundRequest(settled, (3, 2), idempotency_key="refund-two-three"))
    rt.clock.advance(hours=2)
    settlement.refund(rt, partner, settlement.RefundRequest(settled, None, idempotency_key="refund-the-rest",
                                                            reason="returned"))
    node = gql(rt, fam.pharmacy, REFUNDS, id=sid).data["node"]
    first, rest = node["refunds"]
    assert (first["kind"], first["lineNumbers"], first["createdAt"], first["reason"]) == (
        "refund", [2, 3], first_at.isoformat(), None)
    assert (first["amountFen"], first["cashFen"], first["mutualAidFen"], first["fundFen"]) == (45_00, 5_00, 40_00, 0)
    assert (rest["lineNumbers"], rest["reason"], rest["amountFen"]) == ([1], "returned", 300_00)
    assert rest["deductibleFen"] == 100_00  # the resident deductible comes back with line 1
    assert sum(r["fundFen"] for r in node["refunds"]) == node["fundFen"]
    assert sum(r["mutualAidFen"] for r in node["refunds"]) == node["mutualAid"][0]["amountFen"]
    assert all(r["insurerFen"] == r["fundFen"] + r["ownAccountFen"] + r["mutualAidFen"] for r in node["refunds"])
    assert node["insurerFen"] == 0  # everything of the insurer's came back
