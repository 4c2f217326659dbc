"""Properties of ID numbers (GB 11643): any text parses to a valid number or is refused with a
DomainError, never another exception; and what parses is the standard's own shape, ASCII digits and X."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from backend.domain.errors import DomainError
from backend.domain.idnumber import Sex, check_digit, make_id_number, parse_id_number
from backend.domain.regions import validate_region_code
from tests.fuzz.budget import fuzz_settings

TODAY = date(2026, 3, 2)
VALID = "11010519491231002X"  # the standard's own example
ASCII_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
# Other scripts' digits are digits to Python's int() and to \d, but not to the standard.
FOREIGN_DIGITS = "٠١٢٣٤٥٦٧٨٩０１２３４５６７８９߀१"
characters = st.sampled_from("0123456789" * 3 + "Xx " + FOREIGN_DIGITS + "-\n\t\u3000ABCß")

near_valid = st.builds(
    lambda number, at, char: number[:at] + char + number[at + 1:],
    st.builds(make_id_number, st.sampled_from(["370102", "110105", "650102", "990101"]),
              st.dates(date(1890, 1, 1), date(2030, 12, 31)), st.integers(0, 99), st.sampled_from(Sex)),
    st.integers(0, 17), characters)
raw_numbers = st.one_of(st.text(characters, min_size=16, max_size=20), st.text(min_size=18, max_size=18), near_valid)


@fuzz_settings(500)
@given(raw_numbers)
@example(VALID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))
@example(VALID.translate(str.maketrans("0123456789", "０１２３４５６７８９")))
@example(VALID[:-1] + "x")
@example(" " + VALID + "\n")
def test_any_text_is_a_valid_number_or_a_domain_error(raw):
    try:
        parsed = parse_id_number(raw, today=TODAY)
    except DomainError as refused:
        assert refused.field == "idNumber"
        return
    assert ASCII_NUMBER.fullmatch(parsed.value), parsed.value
    assert parsed.value[17] == check_digit(parsed.value[:17])
    assert parsed.region_code == parsed.value[:6] and parsed.birth_date <= TODAY
    assert parsed.birth_date == date(int(parsed.value[6:10]), int(parsed.value[10:12]), int(parsed.value[12:14]))
    assert parsed.sex is (Sex.MALE if int(parsed.value[16]) % 2 else Sex.FEMALE)


regions = st.from_regex(r"(37|11|65)[0-9]{4}", fullmatch=True)


@fuzz_settings(300)
@given(region=regions, born=st.dates(date(1900, 1, 1), TODAY), sequence=st.integers(0, 99), sex=st.sampled_from(Sex))
def test_made_numbers_parse_back_to_what_made_them(region, born, sequence, sex):
    number = make_id_number(region, born, sequence, sex)
    parsed = parse_id_number(number, today=TODAY)
    assert (parsed.value, parsed.region_code, parsed.birth_date, parsed.sex) == (number, region, born, sex)
    assert parse_id_number(number.lower(), today=TODAY) == parsed


@fuzz_settings(200)
@given(st.one_of(st.text(characters, min_size=5, max_size=8), regions.map(lambda r: r + "\n")))
@example("３７０１０２")
@example("370102\n")
def test_a_region_code_is_six_ascii_digits_or_a_domain_error(raw):
    try:
        code = validate_region_code(raw)
    except DomainError as refused:
        assert refused.field == "regionCode"
        return
    assert re.fullmatch(r"[0-9]{6}", code), repr(code)
