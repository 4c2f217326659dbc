"""Claiming and deciding relationships (R1), on SQLite and PostgreSQL."""

from datetime import date

import pytest

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import Sex
from backend.domain.kinship import Kinship, kind_of_other
from backend.principals import Actor, Channel
from backend.services.people import family
from backend.storage.models import AuditEvent, Relationship
from tests.helpers import actor_of, audit_events, count, person, relate, staff

# claimant's view: "relative is my <kind>" -> stored "relative is claimant's <kind>", and the inverse
CASES = [
    ("spouse", "spouse", date(1980, 1, 1), date(1981, 1, 1)),
    ("parent", "child", date(1955, 1, 1), date(1980, 1, 1)),
    ("child", "parent", date(2005, 1, 1), date(1980, 1, 1)),
    ("sibling", "sibling", date(1983, 1, 1), date(1980, 1, 1)),
    ("paternal_grandparent", "paternal_grandchild", date(1940, 1, 1), date(1990, 1, 1)),
    ("paternal_grandchild", "paternal_grandparent", date(2010, 1, 1), date(1950, 1, 1)),
    ("maternal_grandparent", "maternal_grandchild", date(1940, 1, 1), date(1990, 1, 1)),
    ("maternal_grandchild", "maternal_grandparent", date(2010, 1, 1), date(1950, 1, 1)),
]


@pytest.mark.parametrize("kind, inverse_kind, relative_born, claimant_born", CASES)
def test_each_r1_kind_is_stored_once_and_read_from_both_sides(rt, kind, inverse_kind, relative_born, claimant_born):
    me = person(rt, "我", claimant_born, Sex.MALE)
    relative = person(rt, "亲属", relative_born, Sex.FEMALE)
    row = relate(rt, me, relative, kind)
    assert (row.person_id, row.relative_id, row.kind, row.status) == (relative.id, me.id, kind, "claimed")

    # From my side the relative is <kind>; from theirs I am <inverse_kind>.
    assert kind_of_other(Kinship(row.kind), other_is_stored_person=True) == kind
    assert kind_of_other(Kinship(row.kind), other_is_stored_person=False) == inverse_kind


def test_a_refused_kind_writes_nothing_and_names_r1(rt):
    me = person(rt, "张伟", date(1978, 3, 14), Sex.MALE)
    cousin = person(rt, "张磊", date(1979, 12, 3), Sex.MALE)
    before = (count(rt, Relationship), count(rt, AuditEvent))
    with pytest.raises(DomainError) as caught:
        relate(rt, me, cousin, "cousin")
    assert caught.value.code is ErrorCode.NOT_NEAR_RELATIVE
    assert (count(rt, Relationship), count(rt, AuditEvent)) == before


def test_unknown_number_and_wrong_name_get_the_same_answer(rt):
    me = person(rt, "我", date(1980, 1, 1))
    other = person(rt, "王芳", date(1950, 1, 1))
    errors = []
    for number, name in ((other.id_number, "别人"), ("11010519491231002X", "王芳")):
        with pytest.raises(DomainError) as caught:
            family.claim_relationship(rt, actor_of(me), id_number=number, name=name, kind="parent")
        errors.append(caught.value.code)
    assert errors == [ErrorCode.PERSON_NOT_FOUND, ErrorCode.PERSON_NOT_FOUND]


def test_bad_id_number_is_refused_before_any_lookup(rt):
    me = person(rt, "我", date(1980, 1, 1))
    with pytest.raises(DomainError) as caught:
        family.claim_relationship(rt, actor_of(me), id_number="370102198001011234", name="x", kind="parent")
    assert caught.value.code is ErrorCode.ID_NUMBER_CHECK_DIGIT


def test_one_relationship_per_pair_whichever_side_claims(rt):
    a = person(rt, "甲", date(1980, 1, 1))
    b = person(rt, "乙", date(1982, 1, 1))
    relate(rt, a, b, "spouse")
    with pytest.raises(DomainError) as caught:
        relate(rt, b, a, "spouse")
    assert caught.value.code is ErrorCode.RELATIONSHIP_EXISTS


def test_impossible_ages_and_self_claims_are_refused(rt):
    young = person(rt, "小", date(2000, 1, 1))
    old = person(rt, "老", date(1950, 1, 1))
    with pytest.raises(DomainError) as caught:
        relate(rt, old, young, "parent")  # the younger one cannot be the parent
    assert caught.value.code is ErrorCode.AGE_INCONSISTENT
    with pytest.raises(DomainError) as caught:
        relate(rt, old, old, "sibling")
    assert caught.value.code is ErrorCode.SELF_RELATIONSHIP


def test_a_clerk_verifies_and_the_event_is_audited_for_both_people(rt, clock):
    me = person(rt, "我", date(1980, 1, 1))
    mum = person(rt, "妈妈", date(1955, 1, 1))
    clerk = staff(rt, "clerk")
    row = relate(rt, me, mum, "parent")
    clock.advance(minutes=5)
    done = family.verify_relationship(rt, Actor(clerk, Channel.CONSOLE), row.id, "registry")
    assert (done.status, done.decided_via, done.decided_by, done.decided_at) == ("verified", "registry", clerk.id, clock.now())
    events = audit_events(rt, "relationship.verify")
    assert {e.subject_person_id for e in events} == {me.id, mum.id}
    assert all(e.actor_kind == "staff" and e.acting_as == "staff:clerk" and e.channel == "console" for e in events)
    claim = audit_events(rt, "relationship.claim")
    assert len(claim) == 1 and claim[0].actor_id == str(me.id) and claim[0].subject_person_id == mum.id


def test_auditors_cannot_decide_and_decided_claims_stay_decided(rt):
    me = person(rt, "我", date(1980, 1, 1))
    mum = person(rt, "妈妈", date(1955, 1, 1))
    row = relate(rt, me, mum, "parent")
    with pytest.raises(DomainError) as caught:
        family.verify_relationship(rt, Actor(staff(rt, "auditor"), Channel.CONSOLE), row.id, "registry")
    assert caught.value.code is ErrorCode.NOT_ALLOWED
    clerk = Actor(staff(rt, "clerk"), Channel.CONSOLE)
    family.reject_relationship(rt, clerk, row.id, "户籍信息不符")
    with pytest.raises(DomainError) as caught:
        family.verify_relationship(rt, clerk, row.id, "registry")
    assert caught.value.code is ErrorCode.RELATIONSHIP_NOT_CLAIMED


def test_a_rejected_pair_can_be_claimed_again(rt):
    me = person(rt, "我", date(1980, 1, 1))
    mum = person(rt, "妈妈", date(1955, 1, 1))
    clerk = Actor(staff(rt, "clerk"), Channel.CONSOLE)
    row = relate(rt, me, mum, "sibling")
    family.reject_relationship(rt, clerk, row.id, "不是兄弟姐妹")
    again = relate(rt, me, mum, "parent")
    assert again.id == row.id and again.status == "claimed" and again.kind == "parent"
    assert again.rejection_reason is None and count(rt, Relationship) == 1


def test_rejecting_needs_a_reason(rt):
    me = person(rt, "我", date(1980, 1, 1))
    mum = person(rt, "妈妈", date(1955, 1, 1))
    row = relate(rt, me, mum, "parent")
    with pytest.raises(DomainError) as caught:
        family.reject_relationship(rt, Actor(staff(rt), Channel.CONSOLE), row.id, "  ")
    assert caught.value.code is ErrorCode.REASON_REQUIRED


def test_probing_names_and_numbers_is_counted_and_stopped(rt, clock):
    me = person(rt, "我", date(1980, 1, 1))
    other = person(rt, "王芳", date(1950, 1, 1))
    for _ in range(10):
        with pytest.raises(DomainError) as caught:
            family.claim_relationship(rt, actor_of(me), id_number=other.id_number, name="猜一猜", kind="parent")
        assert caught.value.code is ErrorCode.PERSON_NOT_FOUND
    with pytest.raises(DomainError) as caught:
        family.claim_relationship(rt, actor_of(me), id_number=other.id_number, name=other.name, kind="parent")
    assert caught.value.code is ErrorCode.TOO_MANY_ATTEMPTS
    clock.advance(hours=1)
    assert family.claim_relationship(rt, actor_of(me), id_number=other.id_number, name=other.name,
                                     kind="parent").status == "claimed"


def test_the_claimant_withdraws_a_claim_while_it_waits_and_nobody_else_can(rt):
    me = person(rt, "我", date(1980, 1, 1))
    mum = person(rt, "妈妈", date(1955, 1, 1))
    row = relate(rt, me, mum, "parent")
    with pytest.raises(DomainError) as caught:
        family.withdraw_claim(rt, actor_of(mum), row.id)  # the other side cannot
    assert caught.value.code is ErrorCode.NOT_FOUND
    assert family.withdraw_claim(rt, actor_of(me), row.id) == row.id
    assert count(rt, Relationship) == 0
    (event,) = audit_events(rt, "relationship.withdraw")
    assert event.subject_person_id == mum.id
    decided = relate(rt, me, mum, "parent", verify_with=staff(rt))
    with pytest.raises(DomainError) as caught:
        family.withdraw_claim(rt, actor_of(me), decided.id)
    assert caught.value.code is ErrorCode.RELATIONSHIP_NOT_CLAIMED
