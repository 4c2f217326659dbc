"""Family mutual aid through the graph: settle, refund, grants, payer order, premiums, who sees what."""

import pytest

from backend.graph.core.ids import to_global_id
from backend.services.family_account import codes
from tests.helpers import actor_of, gql, household_principal
from tests.money import grant, jinan_family, map_lines

pytestmark = pytest.mark.serializable

SETTLE = """mutation($input: SettleInput!) { settle(input: $input) {
  __typename ... on OperationError { code field message }
  ... on SettlementPayload { settlement { id billFen fundFen deductibleFen copayFen personalBurdenFen ownAccountFen
    cashFen subjectMaskedName presenterMaskedName presentedBySubject payerOrder cashOnly status parametersLabel
    mutualAid { grantorMaskedName amountFen }
    lines { lineNo category amountFen fundFen cashFen payments { pool amountFen } } } } } }"""

REFUND = """mutation($input: RefundInput!) { refundSettlement(input: $input) {
  __typename ... on OperationError { code } ... on SettlementPayload { settlement { status } } } }"""


@pytest.fixture
def fam(rt):
    return jinan_family(rt)


def _settle(rt, partner_principal, presenter, subject, lines, key="graph-key-0001", **issue):
    map_lines(rt, partner_principal.id, lines)
    code = codes.issue_code(rt, actor_of(presenter), subject.id, **issue).text
    return gql(rt, partner_principal, SETTLE, input={
        "code": code, "visitType": "PHARMACY", "serviceDate": rt.clock.now().date().isoformat(),
        "idempotencyKey": key, "lines": lines}).data["settle"]


def test_a_partner_settles_a_grandchild_code_shown_by_a_parent(rt, fam):
    grant(rt, fam.father, fam.son)
    from backend.services.family_account import bindings

    bindings.request_binding(rt, actor_of(fam.mother), fam.son.id)  # the mother, as guardian, shows it
    result = _settle(rt, fam.pharmacy, fam.mother, fam.son, [
        {"itemCode": "86900001", "name": "阿莫西林胶囊", "category": "A", "unitPriceFen": 25_00, "quantity": 2},
        {"itemCode": "69000002", "name": "润喉糖", "category": "NON_MEDICAL", "unitPriceFen": 8_50, "quantity": 1}])
    s = result["settlement"]
    assert (s["billFen"], s["deductibleFen"], s["fundFen"], s["cashFen"]) == (58_50, 50_00, 0, 8_50)
    assert s["mutualAid"] == [{"grantorMaskedName": "张*", "amountFen": 50_00}] and s["ownAccountFen"] == 0
    assert s["subjectMaskedName"] == "张*宝" and s["presentedBySubject"] is False
    assert s["presenterMaskedName"] == "李*"
    assert s["parametersLabel"].startswith("SAMPLE")
    assert [ln["cashFen"] for ln in s["lines"]] == [0, 8_50]


def test_partners_see_only_their_own_settlements_and_no_person(rt, fam):
    s = _settle(rt, fam.pharmacy, fam.father, fam.father,
                [{"itemCode": "1", "name": "x", "category": "C", "unitPriceFen": 10_00}])["settlement"]
    own = gql(rt, fam.pharmacy, "{ viewer { ... on Institution { settlements { totalCount edges { node { id } } } } } }")
    assert own.data["viewer"]["settlements"]["edges"][0]["node"]["id"] == s["id"]
    other = gql(rt, fam.hospital, "query($id: ID!) { node(id: $id) { ... on Settlement { billFen } } }", id=s["id"])
    assert other.data == {"node": None}
    person = gql(rt, fam.pharmacy, "query($id: ID!) { node(id: $id) { ... on Settlement { subject { name } } } }",
                 id=s["id"])
    assert person.data == {"node": {"subject": None}} and person.errors[0].extensions["code"] == "FORBIDDEN"


def test_typed_errors_for_codes_funds_and_refunds(rt, fam, clock):
    line = [{"itemCode": "1", "name": "x", "category": "C", "unitPriceFen": 10_00}]
    forged = gql(rt, fam.pharmacy, SETTLE, input={"code": "YB1NOPE", "visitType": "PHARMACY",
                                                  "serviceDate": clock.now().date().isoformat(),
                                                  "idempotencyKey": "forged-0001", "lines": line}).data["settle"]
    assert forged["code"] == "CODE_FORGED"
    poor = _settle(rt, fam.pharmacy, fam.father, fam.father,
                   [{"itemCode": "1", "name": "x", "category": "C", "unitPriceFen": 9_000_00}], key="poor-00001")
    assert poor["__typename"] == "SettlementPayload"  # cash covers what the account cannot
    code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    no_cash = gql(rt, fam.pharmacy, SETTLE, input={
        "code": code, "visitType": "PHARMACY", "serviceDate": clock.now().date().isoformat(),
        "idempotencyKey": "nocash-0001", "allowCash": False,
        "lines": [{"itemCode": "1", "name": "x", "category": "C", "unitPriceFen": 9_000_00}]}).data["settle"]
    assert no_cash["code"] == "INSUFFICIENT_FUNDS"
    ok = _settle(rt, fam.pharmacy, fam.father, fam.father, line, key="refund-me-01")
    sid = ok["settlement"]["id"]
    first = gql(rt, fam.pharmacy, REFUND, input={"settlementId": sid, "idempotencyKey": "refund-0001"})
    assert first.data["refundSettlement"] == {"__typename": "SettlementPayload", "settlement": {"status": "refunded"}}
    twice = gql(rt, fam.pharmacy, REFUND, input={"settlementId": sid, "idempotencyKey": "refund-0002"})
    assert twice.data["refundSettlement"]["code"] == "ALREADY_REFUNDED"
    late = _settle(rt, fam.pharmacy, fam.father, fam.father, line, key="late-000001")["settlement"]["id"]
    clock.advance(days=40)
    expired = gql(rt, fam.pharmacy, REFUND, input={"settlementId": late, "idempotencyKey": "refund-0003"})
    assert expired.data["refundSettlement"]["code"] == "REFUND_WINDOW_PASSED"


GRANTS = """
mutation Create($id: ID!, $cap: Fen) { createGrant(input: {granteeId: $id, monthlyCapFen: $cap}) {
  __typename ... on OperationError { code message } ... on GrantPayload { grant { id status availableFen } } } }
mutation Premium($id: ID!, $year: Int!) { payPremium(input: {granteeId: $id, year: $year}) {
  __typename ... on OperationError { code } ... on PremiumPayload { premium { year amountFen } } } }
query Received { viewer { ... on Person { grantsReceived { edges { node { capLeftFen canPayNow spentThisMonthFen
  grantor { name personalAccount { balanceFen } } } } } } } }
query ReceivedAvailable { viewer { ... on Person { grantsReceived { edges { node { availableFen } } } } } }
query Given { viewer { ... on Person { grantsGiven { edges { node { status
  usage { edges { node { amountFen kind institutionName } } } } } } } } }
"""


def test_grants_premiums_and_what_each_side_sees(rt, fam):
    father, daughter = household_principal(fam.father), household_principal(fam.daughter)
    created = gql(rt, father, GRANTS, operation="Create", id=to_global_id("Person", fam.daughter.id), cap=1_000_00)
    assert created.data["createGrant"]["grant"] == {"id": created.data["createGrant"]["grant"]["id"],
                                                   "status": "ACTIVE", "availableFen": 1_000_00}  # the grantor
    refused = gql(rt, household_principal(fam.daughter), GRANTS, operation="Create",
                  id=to_global_id("Person", fam.son.id), locale="zh_CN").data["createGrant"]
    assert refused["code"] == "NOT_ELIGIBLE" and "R2" in refused["message"] and "职工" in refused["message"]
    year = rt.clock.now().year
    paid = gql(rt, father, GRANTS, operation="Premium", id=to_global_id("Person", fam.daughter.id), year=year)
    assert paid.data["payPremium"]["premium"] == {"year": year, "amountFen": 400_00}
    again = gql(rt, father, GRANTS, operation="Premium", id=to_global_id("Person", fam.daughter.id), year=year)
    assert again.data["payPremium"]["code"] == "PREMIUM_ALREADY_PAID"
    _settle(rt, fam.pharmacy, fam.daughter, fam.daughter,
            [{"itemCode": "1", "name": "秘密的药", "category": "C", "unitPriceFen": 30_00}])
    # The grantee sees what the grant makes available (the cap's room, whether it can pay), never the balance.
    received = gql(rt, daughter, GRANTS, operation="Received")
    node = received.data["viewer"]["grantsReceived"]["edges"][0]["node"]
    assert (node["capLeftFen"], node["canPayNow"], node["spentThisMonthFen"]) == (1_000_00 - 430_00, True, 430_00)
    assert node["grantor"] == {"name": "张伟", "personalAccount": None}
    hidden = gql(rt, daughter, GRANTS, operation="ReceivedAvailable")
    assert hidden.data["viewer"]["grantsReceived"]["edges"][0]["node"] == {"availableFen": None}
    # The grantor sees amount, date and institution, never the medical lines.
    given = gql(rt, father, GRANTS, operation="Given").data["viewer"]["grantsGiven"]["edges"][0]["node"]
    kinds = sorted((u["node"]["kind"], u["node"]["amountFen"]) for u in given["usage"]["edges"])
    assert kinds == [("medical", 30_00), ("premium", 400_00)]
    assert "秘密的药" not in str(given)
    lines = gql(rt, father, "{ viewer { ... on Person { grantsGiven { edges { node { grantee { settlements "
                            "{ totalCount } } } } } } } }")
    assert lines.data["viewer"]["grantsGiven"]["edges"][0]["node"]["grantee"]["settlements"] is None


def test_payer_order_and_a_cash_only_code(rt, fam):
    g = grant(rt, fam.father, fam.mother)
    gid = to_global_id("Grant", g.id)
    mother = household_principal(fam.mother)
    result = gql(rt, mother, """mutation($pools: [String!]!) { setPayerOrder(input: {pools: $pools}) {
        __typename ... on PayerOrderPayload { payerOrder { pools { key grant { grantor { name } } } cashOnly } } } }""",
                 pools=[gid, "own"])
    pools = result.data["setPayerOrder"]["payerOrder"]["pools"]
    assert [p["key"] for p in pools] == [gid, "own"] and pools[0]["grant"]["grantor"]["name"] == "张伟"
    s = _settle(rt, fam.pharmacy, fam.mother, fam.mother,
                [{"itemCode": "1", "name": "x", "category": "C", "unitPriceFen": 20_00}])["settlement"]
    assert s["payerOrder"] == [gid, "own"] and s["mutualAid"][0]["amountFen"] == 20_00
    cash = _settle(rt, fam.pharmacy, fam.mother, fam.mother,
                   [{"itemCode": "1", "name": "x", "category": "C", "unitPriceFen": 20_00}], key="cash-only-01",
                   cash_only=True)["settlement"]
    assert cash["cashOnly"] is True and cash["cashFen"] == 20_00


def test_only_partners_settle(rt, fam):
    code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    for who in (household_principal(fam.father), fam.clerk):
        refused = gql(rt, who, SETTLE, input={"code": code, "visitType": "PHARMACY", "serviceDate": "2026-03-02",
                                              "idempotencyKey": "nope-000001", "lines": []}).data["settle"]
        assert refused["code"] == "NOT_ALLOWED"


def test_a_partners_reads_of_its_settlements_are_audited(rt, fam):
    from tests.helpers import audit_events

    s = _settle(rt, fam.pharmacy, fam.father, fam.father,
                [{"itemCode": "1", "name": "x", "category": "C", "unitPriceFen": 10_00}])["settlement"]
    assert audit_events(rt, "person.read") == []  # the settle itself is audited as settlement.create
    gql(rt, fam.pharmacy, "query($id: ID!) { node(id: $id) { ... on Settlement { subjectMaskedName lines { name } } } }",
        id=s["id"])
    (read,) = audit_events(rt, "person.read")
    assert read.subject_person_id == fam.father.id and read.actor_kind == "partner"
    assert "Settlement.lines" in read.detail
