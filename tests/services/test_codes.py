"""Presented codes (R10) on SQLite and PostgreSQL: issue, resolve, expire, single use, die with the binding."""

import os
from datetime import date

import pytest

from backend.domain.codes import make_code
from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import Sex
from backend.domain.kinship import Kinship
from backend.principals import Actor, Channel
from backend.services.family_account import bindings, codes
from tests.helpers import actor_of, audit_events, partner, person, relate, staff

pytestmark = [pytest.mark.serializable, pytest.mark.pooler]


@pytest.fixture
def bound(rt):
    """张伟 holds an active binding over his mother 王秀英."""
    clerk = staff(rt, "clerk")
    father = person(rt, "张伟", date(1978, 3, 14), Sex.MALE)
    grandma = person(rt, "王秀英", date(1952, 5, 20))
    relate(rt, father, grandma, "parent", verify_with=clerk)
    for p in (father, grandma):
        bindings.activate_voucher(rt, actor_of(p))
    b = bindings.request_binding(rt, actor_of(father), grandma.id)
    bindings.approve_binding(rt, actor_of(grandma), b.id)
    pharmacy, _ = partner(rt)
    return father, grandma, b, Actor(pharmacy, Channel.GRAPHQL)


def _refused(code, fn, *args):
    with pytest.raises(DomainError) as caught:
        fn(*args)
    assert caught.value.code is code


def _consume(rt, actor, text):
    return rt.db.write(lambda s: codes.consume_code(s, rt, actor, text))


def test_a_holder_shows_a_relatives_code_and_the_partner_sees_who_and_by_whom(rt, bound):
    father, grandma, binding, pharmacy = bound
    issued = codes.issue_code(rt, actor_of(father), grandma.id)
    assert issued.subject.id == grandma.id and issued.presenter.id == father.id and issued.binding_id == binding.id
    assert (issued.expires_at - rt.clock.now()).total_seconds() == rt.settings.code_ttl_seconds
    resolved = codes.resolve_code(rt, pharmacy, issued.text)
    assert resolved.subject.id == grandma.id and resolved.presenter.id == father.id
    assert resolved.presenter_is is Kinship.CHILD  # the father is 王秀英's child
    assert resolved.enrolment.insurance_type == "resident"


def test_my_own_code_needs_my_activated_voucher_only(rt, bound):
    father, _, _, pharmacy = bound
    resolved = codes.resolve_code(rt, pharmacy, codes.issue_code(rt, actor_of(father), father.id).text)
    assert resolved.presenter.id == resolved.subject.id and resolved.presenter_is is None
    newcomer = person(rt, "新人", date(1990, 1, 1))
    _refused(ErrorCode.VOUCHER_NOT_ACTIVATED, codes.issue_code, rt, actor_of(newcomer), newcomer.id)


def test_without_an_active_binding_no_code(rt, bound):
    father, grandma, _, _ = bound
    _refused(ErrorCode.NO_BINDING, codes.issue_code, rt, actor_of(grandma), father.id)


def test_codes_expire_with_the_clock(rt, clock, bound):
    father, grandma, _, pharmacy = bound
    text = codes.issue_code(rt, actor_of(father), grandma.id).text
    clock.advance(seconds=59)
    codes.resolve_code(rt, pharmacy, text)
    clock.advance(seconds=1)
    _refused(ErrorCode.CODE_EXPIRED, codes.resolve_code, rt, pharmacy, text)
    _refused(ErrorCode.CODE_EXPIRED, _consume, rt, pharmacy, text)


def test_a_code_is_used_once_and_resolving_does_not_use_it(rt, bound):
    father, grandma, _, pharmacy = bound
    text = codes.issue_code(rt, actor_of(father), grandma.id).text
    codes.resolve_code(rt, pharmacy, text)
    codes.resolve_code(rt, pharmacy, text)
    used = _consume(rt, pharmacy, text)
    assert used.status == "used" and used.used_at == rt.clock.now()
    _refused(ErrorCode.CODE_USED, _consume, rt, pharmacy, text)
    _refused(ErrorCode.CODE_USED, codes.resolve_code, rt, pharmacy, text)


def test_ending_the_binding_kills_its_codes_at_once(rt, bound):
    father, grandma, binding, pharmacy = bound
    text = codes.issue_code(rt, actor_of(father), grandma.id).text
    own = codes.issue_code(rt, actor_of(grandma), grandma.id).text
    bindings.end_binding(rt, actor_of(grandma), binding.id)
    _refused(ErrorCode.CODE_BINDING_ENDED, codes.resolve_code, rt, pharmacy, text)
    _refused(ErrorCode.CODE_BINDING_ENDED, _consume, rt, pharmacy, text)
    _refused(ErrorCode.NO_BINDING, codes.issue_code, rt, actor_of(father), grandma.id)
    codes.resolve_code(rt, pharmacy, own)  # her own code is untouched


def test_a_refreshed_code_leaves_the_earlier_one_valid_until_it_expires(rt, clock, bound):
    father, grandma, _, pharmacy = bound
    first = codes.issue_code(rt, actor_of(father), grandma.id).text
    clock.advance(seconds=50)  # the page asks for the next code ten seconds early
    second = codes.issue_code(rt, actor_of(father), grandma.id).text
    assert first != second
    codes.resolve_code(rt, pharmacy, first)  # scanned just before the refresh: still good
    clock.advance(seconds=10)
    _refused(ErrorCode.CODE_EXPIRED, codes.resolve_code, rt, pharmacy, first)
    codes.resolve_code(rt, pharmacy, second)


def test_forged_altered_and_unknown_codes_are_told_apart(rt, bound):
    father, grandma, _, pharmacy = bound
    text = codes.issue_code(rt, actor_of(father), grandma.id).text
    altered = text[:10] + ("A" if text[10] != "A" else "B") + text[11:]
    _refused(ErrorCode.CODE_FORGED, codes.resolve_code, rt, pharmacy, altered)
    _refused(ErrorCode.CODE_FORGED, codes.resolve_code, rt, pharmacy, "YB1" + "A" * 42)
    _refused(ErrorCode.CODE_FORGED, codes.resolve_code, rt, pharmacy, "not a code")
    # Genuinely tagged (so made with our key) but never issued, or issued by a database since reset:
    _refused(ErrorCode.CODE_UNKNOWN, codes.resolve_code, rt, pharmacy, make_code(rt.code_key, os.urandom(16)))


def test_issue_resolve_and_consume_are_audited(rt, bound):
    father, grandma, _, pharmacy = bound
    text = codes.issue_code(rt, actor_of(father), grandma.id).text
    codes.resolve_code(rt, pharmacy, text)
    _consume(rt, pharmacy, text)
    events = {e.action: e for e in audit_events(rt) if e.action.startswith("code.")}
    assert set(events) == {"code.issue", "code.resolve", "code.consume"}
    assert events["code.issue"].actor_id == str(father.id) and events["code.issue"].subject_person_id == grandma.id
    assert events["code.resolve"].actor_kind == "partner" and events["code.resolve"].subject_person_id == grandma.id
    assert "binding.bind" in {e.action for e in audit_events(rt)}


def test_old_unused_codes_are_pruned_and_used_ones_kept(rt, clock, bound):
    from datetime import timedelta

    from sqlmodel import func, select

    from backend.storage.models import PresentedCode

    father, grandma, _, pharmacy = bound
    used = codes.issue_code(rt, actor_of(father), grandma.id).text
    _consume(rt, pharmacy, used)
    for _ in range(3):
        codes.issue_code(rt, actor_of(father), grandma.id)
    clock.advance(hours=1)
    fresh = codes.issue_code(rt, actor_of(father), grandma.id).text
    removed = codes.prune_expired(rt, Actor(pharmacy.principal, Channel.CLI), timedelta(minutes=30))
    assert removed == 3
    with rt.db.read() as s:
        assert s.exec(select(func.count()).select_from(PresentedCode)).one() == 2
    codes.resolve_code(rt, pharmacy, fresh)
    assert audit_events(rt, "code.prune")[0].detail == '{"older_than_hours": 0.5, "removed": 3}'
