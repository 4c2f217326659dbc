from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import Sex, check_digit, make_id_number, mask_id_number, mask_phone, parse_id_number

VALID = "11010519491231002X"  # the standard's own example


def test_valid_number_gives_birth_date_sex_and_region():
    parsed = parse_id_number(VALID)
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex is Sex.FEMALE
    assert parsed.region_code == "110105"


def test_lower_case_x_and_spaces_are_accepted():
    assert parse_id_number(" 11010519491231002x ").value == VALID


@pytest.mark.parametrize(
    "raw, code",
    [
        ("110105194912310021", ErrorCode.ID_NUMBER_CHECK_DIGIT),
        ("11010519491331002X", ErrorCode.ID_NUMBER_BIRTH_DATE),  # month 13
        ("11010519490230002X", ErrorCode.ID_NUMBER_BIRTH_DATE),  # 30 February
        ("11010519491231002", ErrorCode.ID_NUMBER_LENGTH),
        ("11010519491231002XX", ErrorCode.ID_NUMBER_LENGTH),
        ("", ErrorCode.ID_NUMBER_LENGTH),
        ("1101051949123100X2", ErrorCode.ID_NUMBER_CHARACTERS),
        ("99010519491231002X", ErrorCode.ID_NUMBER_REGION),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(raw, code):
    with pytest.raises(DomainError) as caught:
        parse_id_number(raw)
    assert caught.value.code is code
    assert caught.value.field == "idNumber"


def test_birth_date_in_the_future_is_refused():
    number = make_id_number("370102", date(2030, 1, 1), 1, Sex.MALE)
    with pytest.raises(DomainError) as caught:
        parse_id_number(number, today=date(2026, 1, 1))
    assert caught.value.code is ErrorCode.ID_NUMBER_BIRTH_DATE


def test_masking_keeps_four_characters_at_each_end():
    assert mask_id_number(VALID) == "1101**********002X"
    assert mask_phone("13800000001") == "138****0001"


born = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))


@given(born=born, sequence=st.integers(0, 99), sex=st.sampled_from(Sex))
def test_made_numbers_parse_back(born, sequence, sex):
    parsed = parse_id_number(make_id_number("370102", born, sequence, sex), today=date(2026, 1, 1))
    assert (parsed.birth_date, parsed.sex) == (born, sex)


@given(born=born, position=st.integers(0, 16), delta=st.integers(1, 9))
def test_any_single_digit_error_is_caught_by_the_check_digit(born, position, delta):
    number = make_id_number("370102", born, 7, Sex.MALE)
    digits = list(number)
    digits[position] = str((int(digits[position]) + delta) % 10)
    altered = "".join(digits)
    assert check_digit(altered[:17]) != altered[17]
