"""Effective-dated settlement parameters on SQLite and PostgreSQL: which version a settlement uses,
refunds keep it, used versions stay as they are, the seed file imports once."""

import copy
import json
from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import select

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.settlement import VisitType
from backend.principals import SYSTEM, Actor, Channel
from backend.services.family_account import codes
from backend.services.money import premiums, settlement
from backend.services.region import parameters
from backend.storage.models import LedgerPosting, LedgerTransaction, ParameterSet, Refund, Settlement
from tests.helpers import actor_of, audit_events, count, staff
from tests.money import SAMPLES, assert_ledger_balanced, balance, grant, jinan_family, lift_service_date_limits, line, map_lines

JINAN_2026 = SAMPLES["SAMPLE Jinan 2026"]
SWITCH = date(2026, 2, 1)
CLI = Actor(SYSTEM, Channel.CLI)


def _with_pharmacy_ratio(params, employee_bp: int):
    ratios = copy.deepcopy(dict(params.fund_ratio_bp))
    ratios["employee"]["pharmacy"]["0"] = employee_bp
    return ratios


FEBRUARY = replace(JINAN_2026, label="Jinan from February 2026", effective_from=SWITCH,
                   fund_ratio_bp=_with_pharmacy_ratio(JINAN_2026, 9000))


@pytest.fixture
def fam(rt):
    return jinan_family(rt)


@pytest.fixture
def admin(rt):
    return Actor(staff(rt, "admin"), Channel.CONSOLE)


def _settle_on(rt, fam, service_date: date, key: str, bill_fen: int = 300_00):
    lift_service_date_limits(rt)  # these bills are settled weeks after their service dates
    map_lines(rt, fam.pharmacy.id, [line("A", bill_fen)], service_date)
    code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    request = settlement.SettleRequest(code=code, visit_type=VisitType.PHARMACY, service_date=service_date,
                                       lines=[line("A", bill_fen)], idempotency_key=key)
    return settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL), request)


def _row(rt, model, key):
    with rt.db.read() as s:
        return s.get(model, key)


def _version_id(rt, prefix: str, start: date):
    with rt.db.read() as s:
        return s.exec(select(ParameterSet.id).where(ParameterSet.region_prefix == prefix,
                                                    ParameterSet.effective_from == start)).one()


def test_settlements_either_side_of_the_switch_use_the_version_in_force_on_their_service_date(rt, fam, admin):
    february = parameters.create_version(rt, admin, FEBRUARY)
    before = _settle_on(rt, fam, date(2026, 1, 20), "before-switch")
    after = _settle_on(rt, fam, date(2026, 2, 10), "after-switch")
    early, late = _row(rt, Settlement, before), _row(rt, Settlement, after)
    assert early.parameter_set_id == _version_id(rt, "3701", date(2026, 1, 1))
    assert early.parameters_label == "SAMPLE Jinan 2026"
    assert late.parameter_set_id == february.id and late.parameters_label == "Jinan from February 2026"
    # The deductible (200.00) first, then 70% of the rest before the switch; 90% of all of it after.
    assert (early.deductible_fen, early.fund_fen) == (200_00, 70_00)
    assert (late.deductible_fen, late.fund_fen) == (0, 270_00)
    assert_ledger_balanced(rt)


def test_a_refund_after_the_switch_keeps_the_earlier_settlements_version(rt, fam, admin):
    before = _settle_on(rt, fam, date(2026, 1, 20), "before-switch")
    parameters.create_version(rt, admin, FEBRUARY)  # the switch arrives after the first settlement
    paid = balance(rt, fam.father)
    refund_id = settlement.refund(rt, Actor(fam.pharmacy, Channel.GRAPHQL), settlement.RefundRequest(
        settlement_id=before, line_numbers=None, idempotency_key="refund-before-switch"))
    row = _row(rt, Settlement, before)
    assert row.parameter_set_id == _version_id(rt, "3701", date(2026, 1, 1)) and row.status == "refunded"
    # What comes back is what the earlier version split: 70.00 to the fund, 230.00 to the father.
    assert balance(rt, fam.father) == paid + 230_00
    with rt.db.read() as s:
        back_to_fund = s.exec(select(LedgerPosting.amount_fen).join(LedgerTransaction)
                              .where(LedgerTransaction.reference_id == refund_id,
                                     LedgerPosting.account.startswith("fund:"))).one()
    assert back_to_fund == 70_00 and _row(rt, Refund, refund_id).amount_fen == 300_00
    # A settlement after the refund, on a date after the switch, uses the new version.
    after = _settle_on(rt, fam, date(2026, 2, 10), "after-switch")
    assert _row(rt, Settlement, after).parameters_label == "Jinan from February 2026"
    assert_ledger_balanced(rt)


def test_a_used_version_cannot_be_changed_and_nothing_may_be_dated_before_it(rt, fam, admin):
    parameters.create_version(rt, admin, FEBRUARY)
    _settle_on(rt, fam, date(2026, 2, 10), "uses-february")
    changed = replace(FEBRUARY, label="Jinan from February 2026, corrected")
    with pytest.raises(DomainError) as caught:
        parameters.create_version(rt, admin, changed)
    assert (caught.value.code, caught.value.field) == (ErrorCode.PARAMETERS_IN_USE, "effectiveFrom")
    with pytest.raises(DomainError) as caught:
        parameters.create_version(rt, admin, replace(FEBRUARY, effective_from=date(2026, 1, 15)))
    assert (caught.value.code, caught.value.field) == (ErrorCode.EFFECTIVE_DATE_TOO_EARLY, "effectiveFrom")
    with rt.db.read() as s:
        assert s.exec(select(ParameterSet.label).where(ParameterSet.effective_from == SWITCH)).one() == FEBRUARY.label
    # A later date is fine: a newer version.
    march = parameters.create_version(rt, admin, replace(FEBRUARY, label="Jinan from March", effective_from=date(2026, 3, 1)))
    assert march.params.label == "Jinan from March"


def test_a_new_version_may_not_take_effect_on_a_day_already_settled_in_its_region(rt, fam, admin):
    """The issue's case: settlements dated 2026-12-07 under the 2026-01-01 version; a version from
    2026-06-01 would settle the days between under two sets of rules."""
    rt.clock.advance(days=280)  # 2026-12-07
    _settle_on(rt, fam, date(2026, 12, 7), "settled-in-december")
    for day in (date(2026, 6, 1), date(2026, 12, 7)):
        with pytest.raises(DomainError) as caught:
            parameters.create_version(rt, admin, replace(FEBRUARY, effective_from=day))
        assert (caught.value.code, caught.value.field) == (ErrorCode.EFFECTIVE_DATE_TOO_EARLY, "effectiveFrom")
        assert caught.value.params["date"] == "2026-12-07"
    with pytest.raises(DomainError) as caught:  # the father's district, under Jinan's version: the same
        parameters.create_version(rt, admin, replace(FEBRUARY, region_prefix="370102"))
    assert caught.value.code is ErrorCode.EFFECTIVE_DATE_TOO_EARLY
    # Qingdao settled nothing; Shandong's version never applied to Jinan, whose own version stays.
    parameters.create_version(rt, admin, replace(FEBRUARY, region_prefix="3702"))
    parameters.create_version(rt, admin, replace(FEBRUARY, region_prefix="37"))
    later = parameters.create_version(rt, admin, replace(FEBRUARY, effective_from=date(2026, 12, 8)))
    assert later.params.effective_from == date(2026, 12, 8)


def test_a_date_more_than_two_years_ahead_is_taken_only_when_confirmed(rt, admin):
    # The tests' clock reads 2026-03-02 in Jinan.
    assert parameters.create_version(rt, admin, replace(FEBRUARY, effective_from=date(2028, 3, 2)))
    far = replace(FEBRUARY, effective_from=date(2028, 3, 3))
    with pytest.raises(DomainError) as caught:
        parameters.create_version(rt, admin, far)
    assert (caught.value.code, caught.value.field) == (ErrorCode.EFFECTIVE_DATE_FAR_AHEAD, "effectiveFrom")
    assert parameters.create_version(rt, admin, far, far_ahead_confirmed=True).params.effective_from == far.effective_from


def test_an_unused_version_may_be_corrected_and_gets_a_new_id(rt, admin):
    first = parameters.create_version(rt, admin, FEBRUARY)
    corrected = parameters.create_version(rt, admin, replace(FEBRUARY, label="Jinan from February (corrected)"))
    assert corrected.id != first.id and _row(rt, ParameterSet, first.id) is None
    assert _row(rt, ParameterSet, corrected.id).created_by == admin.principal.id
    assert sorted(e.action for e in audit_events(rt) if e.actor_id == str(admin.principal.id)) == [
        "parameters.create", "parameters.replace"]


def test_the_longest_prefix_in_force_wins_and_before_the_first_version_there_is_none(rt):
    with rt.db.read() as s:
        assert parameters.in_force(s, "370102", date(2026, 3, 1)).params.label == "SAMPLE Jinan 2026"
        assert parameters.in_force(s, "370303", date(2026, 3, 1)).params.label == "SAMPLE Shandong 2026 (outside Jinan)"
        assert parameters.in_force(s, "370102", date(2025, 12, 31)).params.label == "SAMPLE Jinan 2025"
        # A version stays in force until the next one of its prefix.
        assert parameters.in_force(s, "370102", date(2027, 6, 1)).params.label == "SAMPLE Jinan 2026"
        with pytest.raises(DomainError) as caught:
            parameters.in_force(s, "370102", date(2024, 12, 31))
        assert caught.value.code is ErrorCode.POLICY_MISSING
        with pytest.raises(DomainError):
            parameters.in_force(s, "110101", date(2026, 3, 1))  # Beijing: no version


def test_a_settlement_without_a_version_in_force_is_refused(rt, fam):
    with pytest.raises(DomainError) as caught:
        _settle_on(rt, fam, date(2024, 6, 1), "too-early-for-any")
    assert (caught.value.code, caught.value.field) == (ErrorCode.POLICY_MISSING, "serviceDate")
    assert count(rt, Settlement) == 0


def test_the_premium_is_the_one_in_force_on_the_first_of_january(rt, fam, admin):
    grant(rt, fam.father, fam.daughter, allow_premium=True)
    parameters.create_version(rt, admin, replace(JINAN_2026, label="Jinan premium from 1 July",
                                                 effective_from=date(2026, 7, 1), premium_fen=99_900))
    payment = premiums.pay_premium(rt, actor_of(fam.father), fam.daughter.id, 2026)
    assert payment.amount_fen == JINAN_2026.premium_fen == 400_00


def test_the_seed_file_imports_once(rt, tmp_path):
    before = count(rt, ParameterSet)
    assert parameters.import_file(rt, CLI, parameters.SAMPLES) == (0, before)  # conftest loaded it already
    assert count(rt, ParameterSet) == before
    data = json.loads(parameters.SAMPLES.read_text(encoding="utf-8"))
    data["parameter_sets"][0]["fund_ratio_bp"]["employee"]["pharmacy"]["0"] = 10001
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DomainError) as caught:
        parameters.import_file(rt, CLI, bad)
    assert caught.value.code is ErrorCode.RATIO_INVALID
    assert caught.value.field == "parameter_sets[0].fundRatioBp.employee.pharmacy.0"
    data["parameter_sets"][0]["fund_ratio_bp"]["employee"]["pharmacy"]["0"] = 7500
    data["parameter_sets"][0]["label"] = "SAMPLE Jinan 2026, revised"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    assert parameters.import_file(rt, CLI, changed) == (1, before - 1)
    assert parameters.import_file(rt, CLI, changed) == (0, before)


def test_only_admins_create_versions(rt):
    clerk = Actor(staff(rt, "clerk"), Channel.CONSOLE)
    with pytest.raises(DomainError) as caught:
        parameters.create_version(rt, clerk, FEBRUARY)
    assert caught.value.code is ErrorCode.NOT_ALLOWED
