"""Family-account bindings (R9) on SQLite and PostgreSQL: the state machine, consent, caps, scopes."""

import json
from datetime import date

import pytest

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import Sex
from backend.principals import Actor, Channel
from backend.services.family_account import bindings
from backend.services.region import limits
from backend.storage.models import AuditEvent, Binding
from tests.helpers import actor_of, audit_events, count, person, relate, staff


@pytest.fixture
def family(rt):
    """A father, his mother (adult), his minor son, all with activated e-vouchers; relationships verified."""
    clerk = staff(rt, "clerk")
    father = person(rt, "张伟", date(1978, 3, 14), Sex.MALE)
    grandma = person(rt, "王秀英", date(1952, 5, 20))
    son = person(rt, "张小宝", date(2016, 2, 29), Sex.MALE)
    relate(rt, father, grandma, "parent", verify_with=clerk)
    relate(rt, father, son, "child", verify_with=clerk)
    for p in (father, grandma, son):
        bindings.activate_voucher(rt, actor_of(p))
    return {"father": father, "grandma": grandma, "son": son, "clerk": clerk}


def _refused(code, fn, *args, **kwargs):
    with pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    assert caught.value.code is code
    return caught.value


def test_an_adult_must_approve_from_their_own_login(rt, family):
    father, grandma = family["father"], family["grandma"]
    b = bindings.request_binding(rt, actor_of(father), grandma.id)
    assert (b.status, b.consent_via, b.view_insurance, b.view_account) == ("pending", None, True, False)
    _refused(ErrorCode.CONSENT_NOT_VERIFIED, bindings.approve_binding, rt, actor_of(father), b.id)
    done = bindings.approve_binding(rt, actor_of(grandma), b.id)
    assert (done.status, done.consent_via) == ("active", "self_approval")
    _refused(ErrorCode.BINDING_NOT_PENDING, bindings.approve_binding, rt, actor_of(grandma), b.id)


def test_a_clerk_may_approve_at_a_counter(rt, family):
    b = bindings.request_binding(rt, actor_of(family["father"]), family["grandma"].id)
    done = bindings.approve_binding(rt, Actor(family["clerk"], Channel.CONSOLE), b.id)
    assert (done.status, done.consent_via) == ("active", "staff_counter")
    auditor = staff(rt, "auditor")
    b2 = bindings.request_binding(rt, actor_of(family["grandma"]), family["father"].id)
    _refused(ErrorCode.CONSENT_NOT_VERIFIED, bindings.approve_binding, rt, Actor(auditor, Channel.CONSOLE), b2.id)


def test_decline_and_strangers_cannot_touch_it(rt, family):
    b = bindings.request_binding(rt, actor_of(family["father"]), family["grandma"].id)
    stranger = person(rt, "路人", date(1990, 1, 1))
    _refused(ErrorCode.NOT_FOUND, bindings.decline_binding, rt, actor_of(stranger), b.id)
    _refused(ErrorCode.NOT_FOUND, bindings.end_binding, rt, actor_of(stranger), b.id)
    assert bindings.decline_binding(rt, actor_of(family["grandma"]), b.id).status == "declined"
    # A declined request is history: a new one may be sent.
    assert bindings.request_binding(rt, actor_of(family["father"]), family["grandma"].id).status == "pending"


def test_a_verified_parent_binds_a_minor_at_once(rt, family):
    b = bindings.request_binding(rt, actor_of(family["father"]), family["son"].id)
    assert (b.status, b.consent_via) == ("active", "guardian")
    # One transaction, one time: the two events are not ordered.
    assert sorted(e.action for e in audit_events(rt) if e.action.startswith("binding.")) == ["binding.bind",
                                                                                             "binding.request"]


def test_only_a_verified_parent_may_bind_a_minor(rt, family):
    grandma, son = family["grandma"], family["son"]
    relate(rt, son, grandma, "paternal_grandparent", verify_with=family["clerk"])
    _refused(ErrorCode.MINOR_NEEDS_GUARDIAN, bindings.request_binding, rt, actor_of(grandma), son.id)
    mother = person(rt, "李娜", date(1980, 9, 2))
    relate(rt, mother, son, "child")  # claimed, not verified
    _refused(ErrorCode.MINOR_NEEDS_GUARDIAN, bindings.request_binding, rt, actor_of(mother), son.id)


def test_refused_without_an_activated_e_voucher(rt, family):
    aunt = person(rt, "张芳", date(1982, 1, 1))
    relate(rt, family["father"], aunt, "sibling")
    before = count(rt, Binding), count(rt, AuditEvent)
    _refused(ErrorCode.VOUCHER_NOT_ACTIVATED, bindings.request_binding, rt, actor_of(family["father"]), aunt.id)
    assert (count(rt, Binding), count(rt, AuditEvent)) == before


def test_refused_for_strangers_oneself_and_twice(rt, family):
    stranger = person(rt, "路人", date(1990, 1, 1))
    bindings.activate_voucher(rt, actor_of(stranger))
    _refused(ErrorCode.NOT_FAMILY, bindings.request_binding, rt, actor_of(family["father"]), stranger.id)
    _refused(ErrorCode.BIND_SELF, bindings.request_binding, rt, actor_of(family["father"]), family["father"].id)
    bindings.request_binding(rt, actor_of(family["father"]), family["grandma"].id)
    _refused(ErrorCode.BINDING_EXISTS, bindings.request_binding, rt, actor_of(family["father"]), family["grandma"].id)


def test_refused_over_the_regions_cap(rt, family):
    admin = Actor(staff(rt, "admin"), Channel.CONSOLE)
    limits.set_limit(rt, admin, "bindings_per_holder", "3701", 1)
    bindings.request_binding(rt, actor_of(family["father"]), family["son"].id)
    error = _refused(ErrorCode.BINDING_LIMIT, bindings.request_binding, rt, actor_of(family["father"]),
                     family["grandma"].id)
    assert error.params == {"limit": 1}
    # A more specific region wins; clearing it falls back to the wider one; no row means no cap.
    limits.set_limit(rt, admin, "bindings_per_holder", "370102", 2)
    bindings.request_binding(rt, actor_of(family["father"]), family["grandma"].id)
    limits.set_limit(rt, admin, "bindings_per_holder", "370102", None)
    rt.clock.advance(seconds=1)  # audit events are ordered by time: the last one is the latest
    limits.set_limit(rt, admin, "bindings_per_holder", "3701", None)
    assert audit_events(rt, "policy.limit_set")[-1].detail == (
        '{"name": "bindings_per_holder", "new": null, "old": 1, "region_prefix": "3701"}')


def test_only_admins_set_caps_and_values_are_checked(rt, family):
    clerk = Actor(family["clerk"], Channel.CONSOLE)
    _refused(ErrorCode.NOT_ALLOWED, limits.set_limit, rt, clerk, "bindings_per_holder", "", 2)
    admin = Actor(staff(rt, "admin"), Channel.CONSOLE)
    _refused(ErrorCode.LIMIT_INVALID, limits.set_limit, rt, admin, "bindings_per_holder", "", 0)
    _refused(ErrorCode.REGION_PREFIX_INVALID, limits.set_limit, rt, admin, "bindings_per_holder", "370", 2)
    _refused(ErrorCode.INVALID_INPUT, limits.set_limit, rt, admin, "anything", "", 2)


def test_either_side_ends_a_binding(rt, family):
    father, grandma = family["father"], family["grandma"]
    for ender in (father, grandma):
        b = bindings.request_binding(rt, actor_of(father), grandma.id)
        bindings.approve_binding(rt, actor_of(grandma), b.id)
        ended = bindings.end_binding(rt, actor_of(ender), b.id)
        assert (ended.status, ended.ended_by) == ("ended", ender.id)
        _refused(ErrorCode.BINDING_ENDED, bindings.end_binding, rt, actor_of(father), b.id)
    unbinds = audit_events(rt, "binding.unbind")
    assert [e.actor_id for e in unbinds] == [str(father.id), str(grandma.id)]


def test_the_bound_person_sets_scopes_and_for_a_minor_the_guardian(rt, family):
    father, grandma, son = family["father"], family["grandma"], family["son"]
    b = bindings.request_binding(rt, actor_of(father), grandma.id)
    bindings.approve_binding(rt, actor_of(grandma), b.id)
    _refused(ErrorCode.NOT_ALLOWED, bindings.set_binding_scopes, rt, actor_of(father), b.id,
             view_insurance=True, view_account=True)
    done = bindings.set_binding_scopes(rt, actor_of(grandma), b.id, view_insurance=False, view_account=True)
    assert (done.view_insurance, done.view_account) == (False, True)
    minor = bindings.request_binding(rt, actor_of(father), son.id)
    assert bindings.set_binding_scopes(rt, actor_of(father), minor.id, view_insurance=True,
                                       view_account=True).view_account is True
    _refused(ErrorCode.NOT_ALLOWED, bindings.set_binding_scopes, rt, actor_of(son), minor.id,
             view_insurance=False, view_account=False)


def test_activating_twice_is_refused(rt, family):
    _refused(ErrorCode.VOUCHER_ALREADY_ACTIVATED, bindings.activate_voucher, rt, actor_of(family["father"]))
    assert len(audit_events(rt, "voucher.activate")) == 3


def test_a_child_who_comes_of_age_decides_the_scopes(rt, family, clock):
    minor = bindings.request_binding(rt, actor_of(family["father"]), family["son"].id)
    bindings.set_binding_scopes(rt, actor_of(family["father"]), minor.id, view_insurance=True, view_account=True)
    clock.advance(days=365 * 12)  # born 2016: an adult by 2038
    _refused(ErrorCode.NOT_ALLOWED, bindings.set_binding_scopes, rt, actor_of(family["father"]), minor.id,
             view_insurance=True, view_account=True)
    done = bindings.set_binding_scopes(rt, actor_of(family["son"]), minor.id, view_insurance=True, view_account=False)
    assert done.view_account is False


def test_a_guardian_activates_a_minor_childs_voucher_and_then_binds_the_child(rt):
    clerk = staff(rt, "clerk")
    father = person(rt, "张伟", date(1978, 3, 14), Sex.MALE)
    toddler = person(rt, "张小安", date(2022, 6, 18), Sex.MALE)
    relate(rt, father, toddler, "child", verify_with=clerk)
    _refused(ErrorCode.VOUCHER_NOT_ACTIVATED, bindings.request_binding, rt, actor_of(father), toddler.id)
    voucher = bindings.activate_voucher(rt, actor_of(father), toddler.id)
    assert voucher.person_id == toddler.id
    (event,) = audit_events(rt, "voucher.activate")
    assert (event.actor_id, event.subject_person_id) == (str(father.id), toddler.id)
    assert json.loads(event.detail)["by_guardian"] is True
    _refused(ErrorCode.VOUCHER_ALREADY_ACTIVATED, bindings.activate_voucher, rt, actor_of(father), toddler.id)
    assert bindings.request_binding(rt, actor_of(father), toddler.id).consent_via == "guardian"


def test_only_a_verified_parent_of_a_minor_activates_for_them(rt, clock):
    clerk = staff(rt, "clerk")
    father = person(rt, "张伟", date(1978, 3, 14), Sex.MALE)
    grandma = person(rt, "王秀英", date(1952, 5, 20))
    daughter = person(rt, "张晓雨", date(2004, 7, 1))
    toddler = person(rt, "张小安", date(2022, 6, 18), Sex.MALE)
    unverified = person(rt, "张小平", date(2020, 1, 5), Sex.MALE)
    stranger = person(rt, "赵丽", date(1982, 4, 12))
    relate(rt, father, daughter, "child", verify_with=clerk)
    relate(rt, father, toddler, "child", verify_with=clerk)
    relate(rt, grandma, toddler, "paternal_grandchild", verify_with=clerk)
    relate(rt, father, unverified, "child")
    for actor, child in [(father, daughter),          # an adult child activates her own
                         (grandma, toddler),          # a grandparent is not a guardian
                         (father, unverified),        # the relationship is only claimed
                         (stranger, toddler),         # no relationship
                         (toddler, father)]:          # a child for a parent
        _refused(ErrorCode.NOT_GUARDIAN, bindings.activate_voucher, rt, actor_of(actor), child.id)
    assert audit_events(rt, "voucher.activate") == []
    clock.advance(days=365 * 19)  # born 2022: an adult by 2041, who activates their own
    _refused(ErrorCode.NOT_GUARDIAN, bindings.activate_voucher, rt, actor_of(father), toddler.id)
