"""The dashboard's figures against settlements made here, across China's day and month boundaries."""

from datetime import date

from sqlmodel import select

from backend.principals import Actor, Channel
from backend.services.money import settlement
from backend.storage.models import Settlement, SettlementLine, SettlementPayment
from tests.helpers import gql, household_principal, person, relate, staff
from tests.money import grant, jinan_family, line, settle_for

DOCUMENT = """{ dashboard { asOf activeGrants activeBindings pendingClaims
  today { count billFen fundFen ownAccountsFen mutualAidFen cashFen refundedFen }
  thisMonth { count billFen fundFen ownAccountsFen mutualAidFen cashFen refundedFen } } }"""
SPLIT = ("billFen", "fundFen", "ownAccountsFen", "mutualAidFen", "cashFen")


def _expected(rt, ids) -> dict:
    """The same figures read straight from the settlements' rows."""
    with rt.db.read() as s:
        rows = s.exec(select(Settlement).where(Settlement.id.in_(ids))).all()
        pools = s.exec(select(SettlementPayment.pool, SettlementPayment.amount_fen)
                       .join(SettlementLine, SettlementLine.id == SettlementPayment.line_id)
                       .where(SettlementLine.settlement_id.in_(ids))).all()
    return {"count": len(rows), "billFen": sum(r.bill_fen for r in rows), "fundFen": sum(r.fund_fen for r in rows),
            "cashFen": sum(r.cash_fen for r in rows),
            "ownAccountsFen": sum(a for pool, a in pools if pool == "own"),
            "mutualAidFen": sum(a for pool, a in pools if pool.startswith("grant:"))}


def test_today_and_this_month_in_china_time(rt, clock):
    clock.advance(days=-3)  # 2026-02-27 17:30 in China
    fam = jinan_family(rt)
    grant(rt, fam.father, fam.son)
    relate(rt, fam.daughter, person(rt, "李德明", date(1950, 1, 1)), "maternal_grandparent")  # left claimed
    bill = [line("A", 120_00), line("C", 30_00, code="C1"), line("NON_MEDICAL", 8_50, code="N1")]
    february, _ = settle_for(rt, fam.pharmacy, fam.father, fam.father, bill)
    clock.advance(days=2)  # 2026-03-01 17:30 in China
    first_of_march, _ = settle_for(rt, fam.pharmacy, fam.father, fam.father, bill)
    clock.advance(hours=7)  # 2026-03-01 16:30 UTC, already 2026-03-02 00:30 in China: today
    after_midnight, _ = settle_for(rt, fam.pharmacy, fam.son, fam.son, bill)
    clock.advance(hours=17)
    own, _ = settle_for(rt, fam.hospital, fam.father, fam.father, [line("B", 600_00)])
    settlement.refund(rt, Actor(fam.pharmacy, Channel.GRAPHQL),
                      settlement.RefundRequest(first_of_march, None, idempotency_key="dash-refund-1"))

    result = gql(rt, staff(rt, "auditor"), DOCUMENT)
    assert not result.errors, result.errors
    board = result.data["dashboard"]
    today = {k: v for k, v in board["today"].items() if k != "refundedFen"}
    month = {k: v for k, v in board["thisMonth"].items() if k != "refundedFen"}
    assert today == _expected(rt, [after_midnight, own])
    assert month == _expected(rt, [first_of_march, after_midnight, own])
    assert board["today"]["mutualAidFen"] > 0 and board["today"]["ownAccountsFen"] > 0
    for period in (board["today"], board["thisMonth"]):
        assert sum(period[k] for k in SPLIT[1:]) == period["billFen"]
    with rt.db.read() as s:
        refunded = s.get(Settlement, first_of_march).bill_fen
    assert board["today"]["refundedFen"] == board["thisMonth"]["refundedFen"] == refunded
    assert (board["activeGrants"], board["activeBindings"], board["pendingClaims"]) == (1, 0, 1)
    assert february not in (first_of_march, after_midnight, own)


def test_an_empty_day_is_all_zero(rt):
    board = gql(rt, staff(rt, "clerk"), DOCUMENT).data["dashboard"]
    assert board["today"] == {"count": 0, "billFen": 0, "fundFen": 0, "ownAccountsFen": 0, "mutualAidFen": 0,
                              "cashFen": 0, "refundedFen": 0}
    assert board["asOf"].startswith("2026-03-02T09:30")


def test_only_staff_see_it(rt):
    me = person(rt, "本人", date(1980, 1, 1))
    result = gql(rt, household_principal(me), DOCUMENT)
    assert result.data["dashboard"] is None
    assert {e.extensions["code"] for e in result.errors} == {"FORBIDDEN"}
