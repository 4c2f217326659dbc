"""Properties of the form parsers the pages use: yuan text to integer fen, and whole quantities.

Any text either becomes the exact value or is refused with a FieldError (a message beside the field);
nothing else escapes, since an exception there is a 500 on the checkout or grant page.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from backend.domain.money import yuan
from tests.fuzz.budget import fuzz_settings
from web.forms import MAX_AMOUNT_FEN, MAX_QUANTITY, FieldError, optional_yuan_to_fen, whole_quantity, yuan_to_fen

# Text people type, and text nobody types: digits (ASCII and not), separators, signs, exponents, spaces.
typed = st.one_of(
    st.text(st.sampled_from("0123456789.,-+¥￥ eE_١٢３"), max_size=30),
    st.text(max_size=30),
    st.integers(0, 10**12).map(str),
    st.builds(lambda n: "9" * n, st.integers(4000, 6000)),
)


def _parses_or_refuses(parse, text):
    try:
        return parse(text)
    except FieldError as refused:
        assert refused.message
        return None


@fuzz_settings(300)
@given(typed)
@example("9" * 5000)  # more digits than int() converts by default
@example("0." + "0" * 5000)
def test_yuan_text_is_exact_fen_or_a_field_error(text):
    fen = _parses_or_refuses(yuan_to_fen, text)
    if fen is not None:
        assert isinstance(fen, int) and 0 <= fen <= MAX_AMOUNT_FEN
        assert Decimal(fen) == Decimal(text.strip().lstrip("¥￥").strip().replace(",", "")) * 100


@fuzz_settings(300)
@given(typed)
@example("9" * 5000)
@example("0" * 5000 + "1")
def test_a_quantity_is_a_whole_number_in_range_or_a_field_error(text):
    quantity = _parses_or_refuses(whole_quantity, text)
    if quantity is not None:
        assert isinstance(quantity, int) and 1 <= quantity <= MAX_QUANTITY and quantity == int(text.strip().lstrip("0"))


@fuzz_settings(300)
@given(st.integers(0, MAX_AMOUNT_FEN))
@example(0)
@example(1)
@example(MAX_AMOUNT_FEN)
def test_yuan_as_the_pages_print_it_reads_back_as_the_same_fen(fen):
    assert yuan_to_fen(yuan(fen)) == fen
    assert yuan_to_fen(f"{fen // 100}.{fen % 100:02d}") == fen
    assert optional_yuan_to_fen(f"¥{yuan(fen)}") == fen


@fuzz_settings(200)
@given(st.integers(0, MAX_AMOUNT_FEN), st.integers(1, 3))
def test_a_third_decimal_is_refused_even_when_it_is_zero(fen, extra):
    text = f"{fen // 100}.{fen % 100:02d}" + "0" * extra
    assert _parses_or_refuses(yuan_to_fen, text) is None


@fuzz_settings(100)
@given(st.integers(MAX_AMOUNT_FEN + 1, 10**40))
def test_amounts_beyond_the_form_limit_are_refused(fen):
    assert _parses_or_refuses(yuan_to_fen, f"{fen // 100}.{fen % 100:02d}") is None
