"""Names people type are trimmed, bounded and free of control characters; a refusal writes nothing."""

from datetime import date

import pytest

from backend.domain.errors import DomainError, ErrorCode
from backend.services.people import family
from backend.storage.models import Household, Relationship
from tests.helpers import actor_of, count, person


@pytest.mark.parametrize("name", ["我们\x00家", "家\u202e庭", "\x1b[31m家"])
def test_a_household_name_with_control_characters_is_refused(rt, name):
    me = person(rt, "张伟", date(1978, 3, 14))
    with pytest.raises(DomainError) as caught:
        family.create_household(rt, actor_of(me), name)
    assert caught.value.code is ErrorCode.CONTROL_CHARACTERS and caught.value.field == "name"
    assert count(rt, Household) == 0


def test_a_claim_with_control_characters_in_the_name_is_refused_before_any_lookup(rt):
    me = person(rt, "张伟", date(1978, 3, 14))
    mother = person(rt, "王秀英", date(1952, 5, 20))
    with pytest.raises(DomainError) as caught:
        family.claim_relationship(rt, actor_of(me), id_number=mother.id_number, name="王秀\x07英", kind="parent")
    assert caught.value.code is ErrorCode.CONTROL_CHARACTERS
    assert count(rt, Relationship) == 0


def test_a_person_registered_with_control_characters_is_refused(rt):
    with pytest.raises(DomainError) as caught:
        person(rt, "张\tB", date(1990, 1, 1))
    assert caught.value.code is ErrorCode.CONTROL_CHARACTERS
