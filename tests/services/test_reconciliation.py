"""Reconciliation (R17, 3201 / 3202) through the services on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest

from backend.clock import CHINA
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.reconciliation import DetailOutcome, DetailRow, Figures
from backend.domain.settlement import VisitType
from backend.principals import Actor, Channel
from backend.services.money import settlement
from backend.services.reconciliation import reconcile
from backend.services.reconciliation.reconcile import DetailFileInvalid
from backend.services.region import limits
from backend.storage.models import Enrolment, Settlement
from tests.helpers import actor_of, partner, staff
from tests.money import jinan_family, line, settle_for

# The detail stages into a temporary table of its transaction: what a transaction-mode pooler could break.
pytestmark = pytest.mark.pooler


@pytest.fixture
def fam(rt):
    return jinan_family(rt)


def _as(principal) -> Actor:
    return Actor(principal, Channel.GRAPHQL)


def _row(rt, sid) -> Settlement:
    with rt.db.read() as s:
        return s.get(Settlement, sid)


def _figures(rows) -> Figures:
    return Figures(len(rows), sum(r.bill_fen for r in rows), sum(r.fund_fen for r in rows),
                   sum(r.bill_fen - r.fund_fen - r.cash_fen for r in rows))


def _today(rt):
    return rt.clock.now().astimezone(CHINA).date()


def _day_of(rt, sid):
    return _row(rt, sid).created_at.astimezone(CHINA).date()


def test_totals_balance_for_the_day_and_key_and_name_the_differences(rt, fam, clock):
    father = [settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("A", 300_00), line("NON_MEDICAL", 20_00)])[0],
              settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("A", 40_00)])[0]]
    resident = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("A", 150_00)])[0]
    settle_for(rt, fam.hospital, fam.father, fam.father, [line("A", 80_00)])  # another institution
    # A pharmacy the region lets settle outpatient visits too: another clearing type (11) at the same institution.
    limits.set_limit(rt, Actor(staff(rt, "admin"), Channel.WEB), "visit_pharmacy_outpatient", "37", 1)
    settle_for(rt, fam.pharmacy, fam.mother, fam.mother, [line("A", 50_00)], visit=VisitType.OUTPATIENT)
    day = _day_of(rt, father[0])
    clock.advance(days=1)
    ours = _figures([_row(rt, sid) for sid in father])
    assert ours.account_fen > 0 and ours.fund_fen > 0

    result = reconcile.reconcile_totals(rt, _as(fam.pharmacy), fam.pharmacy.id, day, day, "310", "41", ours, True)
    assert result.balanced and result.ours == ours and result.difference == Figures(0, 0, 0, 0)

    theirs = dataclasses.replace(ours, count=3, fund_fen=ours.fund_fen + 1)
    result = reconcile.reconcile_totals(rt, _as(fam.pharmacy), fam.pharmacy.id, day, day, "310", "41", theirs, False)
    assert not result.balanced and result.difference == Figures(1, 0, 1, 0) and result.theirs == theirs

    resident_figures = _figures([_row(rt, resident)])
    assert reconcile.reconcile_totals(rt, _as(fam.pharmacy), fam.pharmacy.id, day, day, "390", "41",
                                      resident_figures, True).balanced
    # The days before hold nothing.
    empty = reconcile.reconcile_totals(rt, _as(fam.pharmacy), fam.pharmacy.id, day - timedelta(days=3),
                                       day - timedelta(days=1), "310", "41", Figures(0, 0, 0, 0), True)
    assert empty.balanced and empty.ours == Figures(0, 0, 0, 0)


def test_refunds_count_on_their_own_day_when_included(rt, fam, clock):
    sid = settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("A", 300_00, code="a"), line("A", 100_00, code="b")])[0]
    settled_day = _day_of(rt, sid)
    settled = _figures([_row(rt, sid)])
    clock.advance(days=1)
    settlement.refund(rt, _as(fam.pharmacy), settlement.RefundRequest(sid, (2,), "refund-0001"))
    refund_day = _today(rt)
    clock.advance(days=1)

    # The settlement's day: as settled, with or without refunds (the refund was made the next day).
    for included in (True, False):
        assert reconcile.reconcile_totals(rt, _as(fam.pharmacy), fam.pharmacy.id, settled_day, settled_day, "310",
                                          "41", settled, included).balanced
    # The refund's day: one record, giving back the second line's parts.
    with rt.db.read() as s:
        from sqlmodel import select

        from backend.storage.models import SettlementLine
        back = s.exec(select(SettlementLine).where(SettlementLine.settlement_id == sid,
                                                   SettlementLine.line_no == 2)).one()
    expected = Figures(1, -back.amount_fen, -back.fund_fen, -(back.amount_fen - back.fund_fen - back.cash_fen))
    result = reconcile.reconcile_totals(rt, _as(fam.pharmacy), fam.pharmacy.id, refund_day, refund_day, "310", "41",
                                        expected, True)
    assert result.balanced, result
    assert reconcile.reconcile_totals(rt, _as(fam.pharmacy), fam.pharmacy.id, refund_day, refund_day, "310", "41",
                                      Figures(0, 0, 0, 0), False).balanced


@pytest.mark.one_database
@pytest.mark.parametrize("first, last", [(-1, -2), (-1, 0), (1, 1), (-400, -1)],
                         ids=["reversed", "to-today", "future", "too-long"])
def test_a_range_that_is_not_past_days_is_refused(rt, first, last):
    pharmacy, _ = partner(rt)
    today = _today(rt)
    with pytest.raises(DomainError) as refused:
        reconcile.reconcile_totals(rt, _as(pharmacy), pharmacy.id, today + timedelta(days=first),
                                   today + timedelta(days=last), "310", "41", Figures(0, 0, 0, 0), True)
    assert refused.value.code is ErrorCode.RECONCILE_RANGE_INVALID


def test_a_partner_reconciles_only_itself_and_staff_any(rt, fam):
    yesterday = _today(rt) - timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        reconcile.reconcile_totals(rt, _as(fam.pharmacy), fam.hospital.id, yesterday, yesterday, "310", "41",
                                   Figures(0, 0, 0, 0), True)
    assert refused.value.code is ErrorCode.NOT_ALLOWED
    with pytest.raises(DomainError) as refused:
        reconcile.reconcile_details(rt, actor_of(fam.father), fam.hospital.id, yesterday, yesterday, [])
    assert refused.value.code is ErrorCode.NOT_ALLOWED
    assert reconcile.reconcile_details(rt, _as(fam.clerk), fam.hospital.id, yesterday, yesterday, []) == []
    with pytest.raises(DomainError) as refused:
        reconcile.reconcile_details(rt, _as(fam.clerk), uuid.uuid4(), yesterday, yesterday, [])
    assert refused.value.code is ErrorCode.NOT_FOUND


def _theirs(rt, sid, **changes) -> DetailRow:
    row = _row(rt, sid)
    values = dict(settlement_id=sid, bill_fen=row.bill_fen, fund_fen=row.fund_fen,
                  account_fen=row.bill_fen - row.fund_fen - row.cash_fen, refunded=row.status != "settled")
    values.update(changes)
    return DetailRow(**values)


def test_detail_answers_each_settlement_0_1_2_or_3(rt, fam, clock):
    sids = [settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("A", amount)], key=f"visit-{amount:08d}")[0]
            for amount in (10_00, 20_00, 30_00, 40_00)]
    elsewhere = settle_for(rt, fam.hospital, fam.mother, fam.mother, [line("A", 5_00)])[0]
    day = _day_of(rt, sids[0])
    clock.advance(days=1)
    earlier_day = settle_for(rt, fam.pharmacy, fam.mother, fam.mother, [line("A", 7_00)])[0]
    settlement.refund(rt, _as(fam.pharmacy), settlement.RefundRequest(sids[3], None, "refund-0002"))
    clock.advance(days=1)
    unknown = uuid.uuid4()
    rows = [_theirs(rt, sids[0], row=2),
            _theirs(rt, sids[1], fund_fen=_row(rt, sids[1]).fund_fen + 1, row=3),
            _theirs(rt, sids[3], refunded=False, row=4),
            DetailRow(unknown, 1_00, 0, 1_00, False, "their-visit", "their person", row=5),
            _theirs(rt, elsewhere, row=6),
            _theirs(rt, earlier_day, row=7)]
    results = reconcile.reconcile_details(rt, _as(fam.pharmacy), fam.pharmacy.id, day, day, rows)
    by_id = {r.settlement_id: r for r in results}
    assert {r.settlement_id for r in results[:4]} == set(sids)  # ours first, then the file's in file order
    assert [r.row for r in results[4:]] == [5, 6, 7]
    assert by_id[sids[0]].outcome is DetailOutcome.BALANCED
    assert (by_id[sids[1]].outcome, by_id[sids[1]].differences) == (DetailOutcome.DIFFERENT, ("fund",))
    assert by_id[sids[2]].outcome is DetailOutcome.ONLY_OURS and by_id[sids[2]].theirs is None
    assert (by_id[sids[3]].outcome, by_id[sids[3]].differences) == (DetailOutcome.DIFFERENT, ("refunded",))
    assert by_id[sids[0]].visit_id == "visit-00001000" and by_id[sids[0]].person == "张*"
    assert (by_id[unknown].outcome, by_id[unknown].ours, by_id[unknown].visit_id) == (
        DetailOutcome.ONLY_THEIRS, None, "their-visit")
    # Another institution's settlement is simply not ours; our own made on another day says which day.
    assert by_id[elsewhere].outcome is DetailOutcome.ONLY_THEIRS and by_id[elsewhere].settled_at_day is None
    assert by_id[earlier_day].outcome is DetailOutcome.ONLY_THEIRS
    assert by_id[earlier_day].settled_at_day == day + timedelta(days=1)
    assert len(results) == 7


@pytest.mark.one_database
def test_a_settlement_listed_twice_is_refused_naming_both_rows(rt, fam):
    yesterday = _today(rt) - timedelta(days=1)
    sid = uuid.uuid4()
    rows = [DetailRow(sid, 1, 0, 1, False, row=2), DetailRow(sid, 1, 0, 1, False, row=9)]
    with pytest.raises(DetailFileInvalid) as refused:
        reconcile.reconcile_details(rt, _as(fam.pharmacy), fam.pharmacy.id, yesterday, yesterday, rows)
    assert [(p.row, p.column, p.params) for p in refused.value.file_problems] == [(9, "settlement_id", {"other": 2})]


def test_a_settlement_keeps_the_insurance_type_it_was_settled_under(rt, fam, clock):
    """The father settles as an employee, then his enrolment becomes resident: the day still reconciles under
    310, as it was settled (the settlement records its insurance type)."""
    sid = settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("A", 300_00)])[0]
    day = _day_of(rt, sid)

    def to_resident(s):
        s.get(Enrolment, fam.father.id).insurance_type = "resident"
    rt.db.write(to_resident)
    clock.advance(days=1)
    figures = _figures([_row(rt, sid)])
    assert _row(rt, sid).insurance_type == "employee"
    assert reconcile.reconcile_totals(rt, _as(fam.pharmacy), fam.pharmacy.id, day, day, "310", "41", figures,
                                      True).balanced
    assert reconcile.reconcile_totals(rt, _as(fam.pharmacy), fam.pharmacy.id, day, day, "390", "41", figures,
                                      True).ours == Figures(0, 0, 0, 0)
