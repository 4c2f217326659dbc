from datetime import date

import pytest

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import Sex
from backend.domain.kinship import (
    INVERSE,
    Kinship,
    check_claim,
    inverse,
    kind_of_other,
    kinship_label_id,
    parse_kinship,
)

PAIRS = [
    (Kinship.SPOUSE, Kinship.SPOUSE),
    (Kinship.PARENT, Kinship.CHILD),
    (Kinship.SIBLING, Kinship.SIBLING),
    (Kinship.PATERNAL_GRANDPARENT, Kinship.PATERNAL_GRANDCHILD),
    (Kinship.MATERNAL_GRANDPARENT, Kinship.MATERNAL_GRANDCHILD),
]


@pytest.mark.parametrize("kind, expected", PAIRS + [(b, a) for a, b in PAIRS])
def test_every_r1_kind_has_its_inverse(kind, expected):
    assert inverse(kind) is expected
    assert inverse(inverse(kind)) is kind


def test_the_inverse_table_covers_exactly_the_r1_kinds():
    assert set(INVERSE) == set(Kinship) == set(INVERSE.values())


def test_kind_seen_from_either_side():
    # Stored: "grandma is daughter's maternal grandparent".
    assert kind_of_other(Kinship.MATERNAL_GRANDPARENT, other_is_stored_person=True) is Kinship.MATERNAL_GRANDPARENT
    assert kind_of_other(Kinship.MATERNAL_GRANDPARENT, other_is_stored_person=False) is Kinship.MATERNAL_GRANDCHILD


@pytest.mark.parametrize("raw", ["cousin", "parent_in_law", "sibling_in_law", "uncle_aunt", "friend", "boss"])
def test_kinds_outside_r1_are_refused_naming_the_rule(raw):
    with pytest.raises(DomainError) as caught:
        parse_kinship(raw)
    assert caught.value.code is ErrorCode.NOT_NEAR_RELATIVE
    assert "R1" in caught.value.message_id


def test_claims_that_cannot_be_true_are_refused():
    old, young = date(1950, 1, 1), date(1980, 1, 1)
    check_claim(Kinship.PARENT, old, young, same_person=False)
    with pytest.raises(DomainError) as caught:
        check_claim(Kinship.PARENT, young, old, same_person=False)
    assert caught.value.code is ErrorCode.AGE_INCONSISTENT
    with pytest.raises(DomainError):
        check_claim(Kinship.MATERNAL_GRANDCHILD, old, young, same_person=False)
    with pytest.raises(DomainError) as caught:
        check_claim(Kinship.SPOUSE, old, old, same_person=True)
    assert caught.value.code is ErrorCode.SELF_RELATIONSHIP


def test_labels_follow_the_relatives_sex():
    assert kinship_label_id(Kinship.PARENT, Sex.FEMALE) == "mother"
    assert kinship_label_id(Kinship.MATERNAL_GRANDPARENT, Sex.MALE) == "maternal grandfather"
    assert kinship_label_id(Kinship.SIBLING, None) == "sibling"
