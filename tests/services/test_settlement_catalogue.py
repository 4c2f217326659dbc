"""Settlement driven by the catalogue (R18) through the service and the graph, on SQLite and PostgreSQL: the
over-limit part, lines outside the catalogue, the till's word checked, the two policy checks, and looking
lines up in one statement whatever their number."""

import pytest
from sqlalchemy import event
from sqlmodel import select

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.settlement import BillLine, Category, VisitType
from backend.principals import Actor, Channel
from backend.services.family_account import codes
from backend.services.money import settlement
from backend.services.money.ledger_check import verify
from backend.services.region import limits
from backend.storage.models import Settlement, SettlementLine
from tests.graph.test_mutual_aid_graph import SETTLE
from tests.helpers import actor_of, count, gql, staff
from tests.money import CAP_FEN, CAPPED, assert_ledger_balanced, balance, grant, jinan_family, map_capped, settle_for

pytestmark = pytest.mark.serializable


@pytest.fixture
def fam(rt):
    fam = jinan_family(rt)
    map_capped(rt, fam.pharmacy.id, "GLUCO")  # a List B consumable: 20% first, at most 50.00 a unit
    return fam


def _lines(rt, sid):
    with rt.db.read() as s:
        return s.exec(select(SettlementLine).where(SettlementLine.settlement_id == sid)
                      .order_by(SettlementLine.line_no)).all()


def test_the_part_above_the_cap_is_paid_by_a_grant_never_the_fund_and_a_refund_returns_it(rt, fam):
    grant(rt, fam.father, fam.daughter)
    before = balance(rt, fam.father)
    sid, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [BillLine("GLUCO", "血糖试纸", None, 80_00, 2)])
    with rt.db.read() as s:
        row = s.get(Settlement, sid)
    (line,) = _lines(rt, sid)
    # 2 × (80.00 − 50.00) above the cap; 100.00 of List B within it: 20.00 first, 80.00 under the deductible.
    assert (row.overlmt_selfpay_fen, line.overlmt_selfpay_fen) == (60_00, 60_00)
    assert (line.category, line.national_code, line.price_cap_fen) == ("B", CAPPED, CAP_FEN)
    assert line.catalogue_entry_id is not None and line.b_self_first_fen == 20_00
    assert row.fund_fen <= 2 * CAP_FEN and row.cash_fen == 0
    assert before - balance(rt, fam.father) == 160_00 - row.fund_fen  # the grant paid the over-limit part too
    settlement.refund(rt, Actor(fam.pharmacy, Channel.GRAPHQL), settlement.RefundRequest(sid, None, "catalogue-back"))
    assert balance(rt, fam.father) == before
    assert_ledger_balanced(rt)
    assert verify(rt.db).ok


def test_an_item_without_an_approved_mapping_is_cash_only_and_the_answer_says_so(rt, fam):
    code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    result = gql(rt, fam.pharmacy, SETTLE_LINES, input={
        "code": code, "visitType": "PHARMACY", "serviceDate": rt.clock.now().date().isoformat(),
        "idempotencyKey": "unmapped-0001",
        "lines": [{"itemCode": "NEW-DRUG", "name": "新药", "category": "A", "unitPriceFen": 50_00},
                  {"itemCode": "GLUCO", "name": "血糖试纸", "nationalCode": CAPPED, "unitPriceFen": 40_00}]})
    settled = result.data["settle"]["settlement"]
    new, known = settled["lines"]
    assert (new["inCatalogue"], new["category"], new["fundFen"], new["cashFen"], new["payments"]) == \
        (False, "NON_MEDICAL", 0, 50_00, [])
    assert (known["inCatalogue"], known["nationalCode"], known["priceCapFen"], known["overlmtSelfpayFen"]) == \
        (True, CAPPED, CAP_FEN, 0)


SETTLE_LINES = """mutation($input: SettleInput!) { settle(input: $input) {
  __typename ... on OperationError { code field message }
  ... on SettlementPayload { settlement { overlmtSelfpayFen
    lines { category inCatalogue nationalCode priceCapFen overlmtSelfpayFen fundFen cashFen payments { pool } } } } } }"""


@pytest.mark.parametrize(("line", "code"), [
    ({"itemCode": "GLUCO", "name": "血糖试纸", "category": "A", "unitPriceFen": 10_00}, "LINE_CATEGORY_MISMATCH"),
    ({"itemCode": "GLUCO", "name": "血糖试纸", "category": "NON_MEDICAL", "unitPriceFen": 10_00},
     "LINE_CATEGORY_MISMATCH"),
    ({"itemCode": "GLUCO", "name": "血糖试纸", "nationalCode": "TEST-A", "unitPriceFen": 10_00},
     "LINE_NATIONAL_CODE_MISMATCH"),
])
def test_a_till_that_disagrees_with_the_catalogue_is_refused_naming_the_line_and_nothing_is_written(rt, fam, line,
                                                                                                    code):
    issued = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    ok = {"itemCode": "X-C", "name": "维生素", "unitPriceFen": 5_00}
    result = gql(rt, fam.pharmacy, SETTLE, input={
        "code": issued, "visitType": "PHARMACY", "serviceDate": rt.clock.now().date().isoformat(),
        "idempotencyKey": "till-wrong-01", "lines": [ok, line]}).data["settle"]
    assert (result["code"], result["field"]) == (code, "lines") and result["message"].startswith("Line 2:")
    assert count(rt, Settlement) == 0
    again = gql(rt, fam.pharmacy, SETTLE, input={  # the code was not used up
        "code": issued, "visitType": "PHARMACY", "serviceDate": rt.clock.now().date().isoformat(),
        "idempotencyKey": "till-right-01", "lines": [ok]}).data["settle"]
    assert again["__typename"] == "SettlementPayload"


def test_a_visit_type_the_institution_cannot_give_and_an_old_service_date_are_refused(rt, fam, clock):
    def attempt(place, visit, day, key):
        code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
        return settlement.settle(rt, Actor(place, Channel.GRAPHQL), settlement.SettleRequest(
            code=code, visit_type=visit, service_date=day, lines=[BillLine("X-C", "x", Category.C, 10_00, 1)],
            idempotency_key=key))

    today = clock.now().date()
    for place, visit in ((fam.hospital, VisitType.PHARMACY), (fam.pharmacy, VisitType.INPATIENT),
                         (fam.pharmacy, VisitType.OUTPATIENT)):
        with pytest.raises(DomainError) as refused:
            attempt(place, visit, today, f"visit-{place.id.hex[:8]}-{visit.value}")
        assert (refused.value.code, refused.value.field) == (ErrorCode.VISIT_TYPE_NOT_OFFERED, "visitType")
    from datetime import timedelta
    old = today - timedelta(days=31)
    with pytest.raises(DomainError) as refused:
        attempt(fam.pharmacy, VisitType.PHARMACY, old, "too-old-0001")
    assert (refused.value.code, refused.value.params["days"]) == (ErrorCode.SERVICE_DATE_TOO_OLD, 30)
    assert attempt(fam.hospital, VisitType.INPATIENT, old, "inpatient-old-1")  # inpatient: 180 days
    # Staff widen Jinan's pharmacy limit, and allow hospitals' pharmacy visits there.
    admin = Actor(staff(rt, "admin"), Channel.CONSOLE)
    limits.set_limit(rt, admin, "service_days_pharmacy", "3701", 60)
    limits.set_limit(rt, admin, "visit_hospital_pharmacy", "3701", 1)
    assert attempt(fam.pharmacy, VisitType.PHARMACY, old, "too-old-0002")
    assert attempt(fam.hospital, VisitType.PHARMACY, today, "hospital-pharmacy-1")
    with pytest.raises(DomainError) as invalid:
        limits.set_limit(rt, admin, "visit_pharmacy_inpatient", "", 2)
    assert (invalid.value.code, invalid.value.params) == (ErrorCode.LIMIT_INVALID, {"min": 0, "max": 1})


def test_lines_are_looked_up_in_one_statement_whatever_their_number(rt, fam):
    def statements_for(lines, key):
        seen: list[str] = []

        def counted(_conn, _cursor, statement, *_args):
            seen.append(statement)
        code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
        event.listen(rt.db.engine, "before_cursor_execute", counted)
        try:
            settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL), settlement.SettleRequest(
                code=code, visit_type=VisitType.PHARMACY, service_date=rt.clock.now().date(), lines=lines,
                idempotency_key=key))
        finally:
            event.remove(rt.db.engine, "before_cursor_execute", counted)
        return len(seen)

    one = statements_for([BillLine("GLUCO", "x", None, 10_00, 1)], "lookup-one-01")
    many = statements_for([BillLine("GLUCO" if i % 2 else f"N{i}", "x", None, 10_00, 1) for i in range(40)],
                          "lookup-many-01")
    assert one == many
