"""Grants (R2-R5) and premiums (R12) on SQLite and PostgreSQL."""

from datetime import date

import pytest

from backend.domain.errors import DomainError, ErrorCode
from backend.principals import Actor, Channel
from backend.services.money import grants, premiums
from backend.services.region import limits
from backend.storage.models import Grant
from tests.helpers import actor_of, audit_events, count, person, relate, staff
from tests.money import assert_ledger_balanced, balance, grant, jinan_family

pytestmark = pytest.mark.serializable


@pytest.fixture
def fam(rt):
    return jinan_family(rt)


def _refused(code, fn, *args, **kw):
    with pytest.raises(DomainError) as caught:
        fn(*args, **kw)
    assert caught.value.code is code
    return caught.value


def test_eligibility_refusals_name_the_failing_rule(rt, fam):
    # R2: a resident (no personal account) cannot grant.
    e = _refused(ErrorCode.NOT_ELIGIBLE, grants.create_grant, rt, actor_of(fam.daughter), fam.son.id)
    assert e.params["rule"] == "R2"
    # R3: an unverified relative, and someone outside Shandong.
    aunt = person(rt, "张芳", date(1982, 1, 1))
    relate(rt, fam.father, aunt, "sibling")
    assert _refused(ErrorCode.NOT_ELIGIBLE, grants.create_grant, rt, actor_of(fam.father),
                    aunt.id).params["rule"] == "R3"
    far = person(rt, "北京亲戚", date(1950, 1, 1), region="110105")
    relate(rt, fam.father, far, "parent", verify_with=fam.clerk)
    assert _refused(ErrorCode.NOT_ELIGIBLE, grants.create_grant, rt, actor_of(fam.father),
                    far.id).params["rule"] == "R3"
    assert count(rt, Grant) == 0 and audit_events(rt, "grant.create") == []


def test_a_zero_balance_does_not_stop_a_grant(rt, fam):
    broke = person(rt, "零余额", date(1985, 1, 1), insurance="employee", balance_fen=0)
    relate(rt, broke, fam.son, "child", verify_with=fam.clerk)
    assert grants.create_grant(rt, actor_of(broke), fam.son.id).status == "active"


def test_one_live_grant_per_pair_and_the_grantee_cap(rt, fam):
    grant(rt, fam.father, fam.daughter)
    _refused(ErrorCode.GRANT_EXISTS, grants.create_grant, rt, actor_of(fam.father), fam.daughter.id)
    limits.set_limit(rt, Actor(staff(rt, "admin"), Channel.CONSOLE), "grantees_per_grantor", "3701", 1)
    e = _refused(ErrorCode.GRANTEE_LIMIT, grants.create_grant, rt, actor_of(fam.father), fam.son.id)
    assert e.params == {"limit": 1}
    grant(rt, fam.mother, fam.son)  # another grantor: a grantee may have several


def test_only_the_grantor_revokes_and_sets_limits(rt, fam):
    g = grant(rt, fam.father, fam.daughter)
    _refused(ErrorCode.NOT_FOUND, grants.revoke_grant, rt, actor_of(fam.mother), g.id)
    done = grants.set_grant_limits(rt, actor_of(fam.father), g.id, monthly_cap_fen=500_00, allow_medical=True,
                                   allow_premium=False)
    assert (done.monthly_cap_fen, done.allow_premium) == (500_00, False)
    _refused(ErrorCode.INVALID_INPUT, grants.set_grant_limits, rt, actor_of(fam.father), g.id, monthly_cap_fen=-1,
             allow_medical=True, allow_premium=True)
    grants.revoke_grant(rt, actor_of(fam.father), g.id)
    _refused(ErrorCode.GRANT_NOT_ACTIVE, grants.revoke_grant, rt, actor_of(fam.father), g.id)
    assert [e.action for e in audit_events(rt) if e.action.startswith("grant.")] == [
        "grant.create", "grant.limits", "grant.revoke"]


def test_payer_order_names_only_own_pools(rt, fam):
    g = grant(rt, fam.father, fam.mother)
    choice = grants.set_payer_order(rt, actor_of(fam.mother), [f"grant:{g.id}", "own"], False)
    assert choice.order == (f"grant:{g.id}", "own")
    _refused(ErrorCode.BAD_PAYER_ORDER, grants.set_payer_order, rt, actor_of(fam.mother), ["own", "own"], False)
    _refused(ErrorCode.BAD_PAYER_ORDER, grants.set_payer_order, rt, actor_of(fam.daughter), ["own"], False)


def test_a_grantor_pays_a_resident_premium_once_per_year(rt, fam):
    grant(rt, fam.father, fam.daughter)
    year = rt.clock.now().year
    paid = premiums.pay_premium(rt, actor_of(fam.father), fam.daughter.id, year)
    assert paid.amount_fen == 400_00 and balance(rt, fam.father) == 3_256_80 - 400_00
    e = _refused(ErrorCode.PREMIUM_ALREADY_PAID, premiums.pay_premium, rt, actor_of(fam.father), fam.daughter.id, year)
    assert e.params == {"year": year}
    assert_ledger_balanced(rt)


def test_premiums_only_for_residents_under_an_active_grant_with_the_money_there(rt, fam):
    year = rt.clock.now().year
    _refused(ErrorCode.GRANT_NOT_ACTIVE, premiums.pay_premium, rt, actor_of(fam.father), fam.son.id, year)
    grant(rt, fam.father, fam.mother)
    _refused(ErrorCode.PREMIUM_NOT_RESIDENT, premiums.pay_premium, rt, actor_of(fam.father), fam.mother.id, year)
    poor = person(rt, "余额少", date(1985, 1, 1), insurance="employee", balance_fen=100_00)
    relate(rt, poor, fam.son, "child", verify_with=fam.clerk)
    grant(rt, poor, fam.son)
    _refused(ErrorCode.INSUFFICIENT_FUNDS, premiums.pay_premium, rt, actor_of(poor), fam.son.id, year)
    assert balance(rt, poor) == 100_00
    g = grant(rt, fam.father, fam.son, monthly_cap_fen=300_00)
    e = _refused(ErrorCode.MONTHLY_CAP_EXCEEDED, premiums.pay_premium, rt, actor_of(fam.father), fam.son.id, year)
    assert e.params == {"left": "300.00", "needed": "400.00"}
    grants.set_grant_limits(rt, actor_of(fam.father), g.id, monthly_cap_fen=None, allow_medical=True,
                            allow_premium=False)
    _refused(ErrorCode.GRANT_NOT_ACTIVE, premiums.pay_premium, rt, actor_of(fam.father), fam.son.id, year)


def test_changing_only_the_cap_keeps_the_allowed_uses(rt, fam):
    g = grant(rt, fam.father, fam.daughter, allow_premium=False)
    done = grants.set_grant_limits(rt, actor_of(fam.father), g.id, monthly_cap_fen=200_00)
    assert (done.monthly_cap_fen, done.allow_medical, done.allow_premium) == (200_00, True, False)


def test_two_grantors_paying_one_premium_at_once_pay_once(rt, fam):
    from concurrent.futures import ThreadPoolExecutor

    grant(rt, fam.father, fam.daughter)
    grant(rt, fam.mother, fam.daughter)
    year = rt.clock.now().year
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(premiums.pay_premium, rt, actor_of(p), fam.daughter.id, year)
                   for p in (fam.father, fam.mother)]
        outcomes = []
        for f in futures:
            try:
                outcomes.append(f.result().amount_fen)
            except DomainError as error:
                outcomes.append(error.code)
    assert sorted(map(str, outcomes)) == sorted(["40000", "PREMIUM_ALREADY_PAID"])
    assert balance(rt, fam.father) + balance(rt, fam.mother) == 3_256_80 + 1_890_50 - 400_00
    assert_ledger_balanced(rt)


def test_a_strangers_grant_refusal_says_nothing_about_their_insurance(rt, fam):
    stranger = person(rt, "路人", date(1990, 1, 1), insurance="employee", balance_fen=100)
    far = person(rt, "外省人", date(1960, 1, 1), region="110105")
    for target in (fam.daughter, far):
        e = _refused(ErrorCode.NOT_ELIGIBLE, grants.create_grant, rt, actor_of(stranger), target.id)
        assert "near relative" in e.params["reason"]
