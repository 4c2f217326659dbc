"""The partner's own receipt number on settle: unique per partner, the same bill sent again is answered,
another bill under it is refused; readable and searchable in the graph."""

import threading

import pytest

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.settlement import VisitType
from backend.graph.core.ids import to_global_id
from backend.principals import Actor, Channel
from backend.services.family_account import codes
from backend.services.money import settlement
from backend.storage.models import Settlement
from tests.helpers import actor_of, count, gql
from tests.money import jinan_family, line

pytestmark = pytest.mark.serializable


def _request(rt, fam, receipt, key, fen=10_00, code=None, visit=VisitType.PHARMACY):
    code = code or codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    return settlement.SettleRequest(code=code, visit_type=visit, service_date=rt.clock.now().date(),
                                    lines=[line("NON_MEDICAL", fen)], idempotency_key=key, receipt_number=receipt)


def test_a_receipt_number_is_unique_per_partner(rt):
    fam = jinan_family(rt)
    at_pharmacy = Actor(fam.pharmacy, Channel.GRAPHQL)
    first = _request(rt, fam, " R-2026-0001 ", "receipt-key-1")
    sid = settlement.settle(rt, at_pharmacy, first)
    # The same bill sent again under a new idempotency key (the till lost the first answer and the key):
    assert settlement.settle(rt, at_pharmacy, _request(rt, fam, "R-2026-0001", "receipt-key-2", code=first.code)) == sid
    # Another bill under the same number is refused, and nothing is written.
    with pytest.raises(DomainError) as refused:
        settlement.settle(rt, at_pharmacy, _request(rt, fam, "R-2026-0001", "receipt-key-3", fen=20_00))
    assert (refused.value.code, refused.value.field) == (ErrorCode.RECEIPT_NUMBER_TAKEN, "receiptNumber")
    assert count(rt, Settlement) == 1
    # Another partner may use the same number; a settlement without one is fine.
    settlement.settle(rt, Actor(fam.hospital, Channel.GRAPHQL), _request(rt, fam, "R-2026-0001", "receipt-key-4",
                                                                     visit=VisitType.OUTPATIENT))
    settlement.settle(rt, at_pharmacy, _request(rt, fam, None, "receipt-key-5"))
    with pytest.raises(DomainError) as refused:
        settlement.settle(rt, at_pharmacy, _request(rt, fam, "R\x00", "receipt-key-6"))
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_INPUT, "receiptNumber")


def test_two_bills_racing_for_one_receipt_number_settle_one(rt):
    fam = jinan_family(rt)
    at_pharmacy = Actor(fam.pharmacy, Channel.GRAPHQL)
    requests = [_request(rt, fam, "RACE-1", f"race-key-{n}", fen=(n + 1) * 1_00) for n in range(2)]
    outcomes: list = []

    def run(request):
        try:
            outcomes.append(settlement.settle(rt, at_pharmacy, request))
        except DomainError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=run, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=lambda o: isinstance(o, ErrorCode))[1] == ErrorCode.RECEIPT_NUMBER_TAKEN
    assert count(rt, Settlement) == 1


FIND = """query($receipt: String) { viewer { ... on Institution { settlements(first: 5, receiptNumber: $receipt) {
  totalCount edges { node { id receiptNumber } } } } } }"""


def test_the_receipt_number_is_readable_and_searchable(rt):
    fam = jinan_family(rt)
    sid = settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL), _request(rt, fam, "R-7", "receipt-key-7"))
    settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL), _request(rt, fam, "R-8", "receipt-key-8"))
    found = gql(rt, fam.pharmacy, FIND, receipt="R-7").data["viewer"]["settlements"]
    assert found["totalCount"] == 1 and found["edges"][0]["node"] == {"id": to_global_id("Settlement", sid),
                                                                      "receiptNumber": "R-7"}
    assert gql(rt, fam.hospital, FIND, receipt="R-7").data["viewer"]["settlements"]["totalCount"] == 0
    assert gql(rt, fam.pharmacy, FIND, receipt=None).data["viewer"]["settlements"]["totalCount"] == 2
