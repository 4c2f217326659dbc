"""Settlements through the services on SQLite and PostgreSQL: worked examples of R7, R8 and R11."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from backend.domain.errors import DomainError, ErrorCode
from backend.principals import Actor, Channel
from backend.services.family_account import bindings, codes
from backend.services.money import grants, settlement
from backend.storage.models import AnnualAccumulator, Enrolment, LedgerTransaction, Settlement, SettlementLine
from tests.helpers import actor_of, count
from tests.money import assert_ledger_balanced, balance, grant, jinan_family, line, settle_for

pytestmark = [pytest.mark.serializable, pytest.mark.pooler]


@pytest.fixture
def fam(rt):
    return jinan_family(rt)


def _row(rt, model, key):
    with rt.db.read() as s:
        return s.get(model, key)


def _lines(rt, settlement_id):
    with rt.db.read() as s:
        from sqlmodel import select

        return list(s.exec(select(SettlementLine).where(SettlementLine.settlement_id == settlement_id)
                           .order_by(SettlementLine.line_no)).all())


def test_an_employee_parent_pays_from_own_account(rt, fam):
    sid, _ = settle_for(rt, fam.pharmacy, fam.father, fam.father,
                        [line("A", 300_00, code="a"), line("NON_MEDICAL", 20_00, code="n")])
    row = _row(rt, Settlement, sid)
    # Employee deductible (sample: 200.00) first, then 70% of the remaining 100.00.
    assert (row.bill_fen, row.deductible_fen, row.fund_fen, row.copay_fen, row.cash_fen) == (
        320_00, 200_00, 70_00, 30_00, 20_00)
    assert balance(rt, fam.father) == 3_256_80 - 230_00
    acc = _row(rt, AnnualAccumulator, (fam.father.id, rt.clock.now().year))
    assert (acc.deductible_used_fen, acc.fund_paid_fen) == (200_00, 70_00)
    assert_ledger_balanced(rt)


def test_a_resident_child_is_paid_by_a_parents_grant(rt, fam):
    grant(rt, fam.father, fam.daughter)
    sid, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("A", 150_00)])
    row = _row(rt, Settlement, sid)
    # Resident deductible 100.00, then 50% of 50.00 at a pharmacy: burden 125.00, all from the grant.
    assert (row.deductible_fen, row.fund_fen, row.cash_fen) == (100_00, 25_00, 0)
    assert balance(rt, fam.father) == 3_256_80 - 125_00
    assert_ledger_balanced(rt)


def test_two_grantors_pay_in_the_childs_chosen_order(rt, fam):
    from_mother = grant(rt, fam.mother, fam.daughter)
    from_father = grant(rt, fam.father, fam.daughter)
    grants.set_payer_order(rt, actor_of(fam.daughter), [f"grant:{from_father.id}", f"grant:{from_mother.id}"], False)
    settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("C", 4_000_00)])
    # All burden (List C): the father's whole balance first, then the mother's grant for the rest.
    assert balance(rt, fam.father) == 0
    assert balance(rt, fam.mother) == 1_890_50 - (4_000_00 - 3_256_80)
    assert_ledger_balanced(rt)


def test_non_medical_lines_are_paid_in_cash(rt, fam):
    grant(rt, fam.father, fam.daughter)
    sid, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("NON_MEDICAL", 35_00)])
    assert _row(rt, Settlement, sid).cash_fen == 35_00 and balance(rt, fam.father) == 3_256_80


def test_a_revoked_grant_is_skipped(rt, fam):
    g = grant(rt, fam.father, fam.daughter)
    grants.revoke_grant(rt, actor_of(fam.father), g.id)
    sid, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("C", 50_00)])
    assert _row(rt, Settlement, sid).cash_fen == 50_00 and balance(rt, fam.father) == 3_256_80


def test_a_grant_limited_to_premiums_pays_no_bills(rt, fam):
    g = grant(rt, fam.father, fam.daughter)
    grants.set_grant_limits(rt, actor_of(fam.father), g.id, monthly_cap_fen=None, allow_medical=False,
                            allow_premium=True)
    sid, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("C", 25_00)])
    assert _row(rt, Settlement, sid).cash_fen == 25_00 and balance(rt, fam.father) == 3_256_80


def test_seamless_a_code_shown_by_a_holder_who_is_not_the_grantor_applies_the_grants(rt, fam):
    grant(rt, fam.father, fam.daughter)
    b = bindings.request_binding(rt, actor_of(fam.mother), fam.daughter.id)
    bindings.approve_binding(rt, actor_of(fam.daughter), b.id)
    sid, _ = settle_for(rt, fam.pharmacy, fam.mother, fam.daughter, [line("C", 60_00)])
    row = _row(rt, Settlement, sid)
    assert (row.subject_id, row.presenter_id, row.cash_fen) == (fam.daughter.id, fam.mother.id, 0)
    assert balance(rt, fam.father) == 3_256_80 - 60_00 and balance(rt, fam.mother) == 1_890_50


def test_a_grant_suspends_while_the_grantor_is_outside_jinan_and_resumes(rt, fam):
    g = grant(rt, fam.father, fam.daughter)

    def move(region):
        rt.db.write(lambda s: s.exec(update(Enrolment).where(Enrolment.person_id == fam.father.id)
                                     .values(region_code=region)))

    move("370303")  # the grantor moves to Zibo: R2 fails
    with rt.db.read() as s:
        state = grants.state_of(s, s.get(type(g), g.id))
    assert state.status.value == "suspended" and state.because.rule == "R2"
    sid, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("C", 10_00)])
    assert _row(rt, Settlement, sid).cash_fen == 10_00
    move("370102")
    sid, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("C", 10_00)])
    assert _row(rt, Settlement, sid).cash_fen == 0


def test_a_monthly_cap_limits_what_a_grant_pays(rt, fam, clock):
    grant(rt, fam.father, fam.daughter, monthly_cap_fen=100_00)
    settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("C", 70_00)])
    sid, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("C", 70_00)])
    assert _row(rt, Settlement, sid).cash_fen == 40_00
    clock.advance(days=31)  # a new month
    sid, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter, [line("C", 70_00)])
    assert _row(rt, Settlement, sid).cash_fen == 0


def test_a_code_can_carry_its_own_payer_order(rt, fam):
    sid, _ = settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("C", 10_00)], cash_only=True)
    assert _row(rt, Settlement, sid).cash_fen == 10_00 and balance(rt, fam.father) == 3_256_80
    with pytest.raises(DomainError) as caught:
        codes.issue_code(rt, actor_of(fam.father), fam.father.id, pools=["grant:nonsense"])
    assert caught.value.code is ErrorCode.BAD_PAYER_ORDER


def test_a_retry_returns_the_first_result_and_moves_nothing_again(rt, fam):
    sid, request = settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("C", 10_00)], key="retry-00001")
    before = (balance(rt, fam.father), count(rt, LedgerTransaction), count(rt, Settlement))
    again = settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL), request)
    assert again == sid and (balance(rt, fam.father), count(rt, LedgerTransaction), count(rt, Settlement)) == before
    changed = settlement.SettleRequest(**{**request.__dict__, "lines": [line("C", 11_00)]})
    with pytest.raises(DomainError) as caught:
        settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL), changed)
    assert caught.value.code is ErrorCode.IDEMPOTENCY_MISMATCH


def test_insufficient_funds_when_cash_is_not_allowed_writes_nothing(rt, fam):
    code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    request = settlement.SettleRequest(code=code, visit_type=settlement.VisitType.PHARMACY,
                                       service_date=rt.clock.now().date(), lines=[line("C", 5_000_00)],
                                       idempotency_key="no-cash-0001", allow_cash=False)
    before = (balance(rt, fam.father), count(rt, Settlement), count(rt, LedgerTransaction))
    with pytest.raises(DomainError) as caught:
        settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL), request)
    assert caught.value.code is ErrorCode.INSUFFICIENT_FUNDS
    assert (balance(rt, fam.father), count(rt, Settlement), count(rt, LedgerTransaction)) == before
    codes.resolve_code(rt, Actor(fam.pharmacy, Channel.GRAPHQL), code)  # the code was not used up


def test_a_used_or_future_dated_code_is_refused(rt, fam):
    _, request = settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("C", 10_00)])
    with pytest.raises(DomainError) as caught:
        settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL),
                          settlement.SettleRequest(**{**request.__dict__, "idempotency_key": "another-key"}))
    assert caught.value.code is ErrorCode.CODE_USED
    code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    future = settlement.SettleRequest(code=code, visit_type=settlement.VisitType.PHARMACY,
                                      service_date=rt.clock.now().date() + timedelta(days=2),
                                      lines=[line("A", 1)], idempotency_key="future-0001")
    with pytest.raises(DomainError) as caught:
        settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL), future)
    assert caught.value.code is ErrorCode.SERVICE_DATE_INVALID


def _refund(rt, partner, sid, lines=None, key=None):
    return settlement.refund(rt, Actor(partner, Channel.GRAPHQL),
                             settlement.RefundRequest(sid, tuple(lines) if lines else None, key or f"refund-{sid}"))


def test_a_whole_refund_restores_every_pool_and_accumulator_exactly(rt, fam):
    grant(rt, fam.father, fam.daughter)
    grant(rt, fam.mother, fam.daughter)
    before = (balance(rt, fam.father), balance(rt, fam.mother))
    sid, _ = settle_for(rt, fam.hospital, fam.daughter, fam.daughter,
                        [line("A", 1_234_56, code="a"), line("B", 3_456_78, code="b"), line("C", 99_99, code="c"),
                         line("NON_MEDICAL", 12_34, code="n")], visit=settlement.VisitType.INPATIENT)
    assert (balance(rt, fam.father), balance(rt, fam.mother)) != before
    _refund(rt, fam.hospital, sid)
    assert (balance(rt, fam.father), balance(rt, fam.mother)) == before
    acc = _row(rt, AnnualAccumulator, (fam.daughter.id, rt.clock.now().year))
    assert (acc.deductible_used_fen, acc.fund_paid_fen) == (0, 0)
    assert _row(rt, Settlement, sid).status == "refunded"
    with pytest.raises(DomainError) as caught:
        _refund(rt, fam.hospital, sid, key="refund-again-1")
    assert caught.value.code is ErrorCode.ALREADY_REFUNDED
    assert_ledger_balanced(rt)


def test_a_line_refund_returns_that_lines_recorded_shares(rt, fam):
    grant(rt, fam.father, fam.daughter)
    sid, _ = settle_for(rt, fam.pharmacy, fam.daughter, fam.daughter,
                        [line("A", 120_00, code="a"), line("C", 30_00, code="c")])
    a_line, c_line = _lines(rt, sid)
    paid_for_a = 3_256_80 - balance(rt, fam.father) - 30_00
    _refund(rt, fam.pharmacy, sid, lines=[1])
    assert balance(rt, fam.father) == 3_256_80 - 30_00 and paid_for_a == a_line.deductible_fen + a_line.copay_fen
    acc = _row(rt, AnnualAccumulator, (fam.daughter.id, rt.clock.now().year))
    assert (acc.deductible_used_fen, acc.fund_paid_fen) == (0, 0)  # line 1 carried all of both
    assert _row(rt, Settlement, sid).status == "partly_refunded"
    with pytest.raises(DomainError) as caught:
        _refund(rt, fam.pharmacy, sid, lines=[1], key="line-1-again")
    assert caught.value.code is ErrorCode.ALREADY_REFUNDED
    _refund(rt, fam.pharmacy, sid, lines=[2], key="line-2-refund")
    assert balance(rt, fam.father) == 3_256_80 and _row(rt, Settlement, sid).status == "refunded"
    assert_ledger_balanced(rt)


def test_refund_window_other_institutions_and_staff_reversal(rt, fam, clock):
    sid, _ = settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("C", 10_00)])
    with pytest.raises(DomainError) as caught:
        _refund(rt, fam.hospital, sid)
    assert caught.value.code is ErrorCode.NOT_FOUND
    clock.advance(days=31)
    with pytest.raises(DomainError) as caught:
        _refund(rt, fam.pharmacy, sid)
    assert caught.value.code is ErrorCode.REFUND_WINDOW_PASSED
    clerk = Actor(fam.clerk, Channel.CONSOLE)
    with pytest.raises(DomainError) as caught:
        settlement.reverse(rt, clerk, settlement.RefundRequest(sid, None, reason=" "))
    assert caught.value.code is ErrorCode.REASON_REQUIRED
    settlement.reverse(rt, clerk, settlement.RefundRequest(sid, None, reason="重复收费"))
    assert balance(rt, fam.father) == 3_256_80
    assert_ledger_balanced(rt)


def test_a_refund_goes_back_to_the_fund_that_paid_even_after_the_person_moved(rt, fam):
    from sqlmodel import func, select

    from backend.storage.models import LedgerPosting

    sid, _ = settle_for(rt, fam.hospital, fam.father, fam.father, [line("A", 1_000_00)],
                        visit=settlement.VisitType.INPATIENT)
    rt.db.write(lambda s: s.exec(update(Enrolment).where(Enrolment.person_id == fam.father.id)
                                 .values(region_code="370303")))
    settlement.refund(rt, Actor(fam.hospital, Channel.GRAPHQL), settlement.RefundRequest(sid, None, "moved-refund"))
    with rt.db.read() as s:
        funds = dict(s.exec(select(LedgerPosting.account, func.sum(LedgerPosting.amount_fen))
                            .where(LedgerPosting.account.startswith("fund:")).group_by(LedgerPosting.account)).all())
    assert funds == {"fund:370102": 0}
