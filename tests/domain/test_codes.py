import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.codes import PREFIX, code_digest, is_authentic, make_code, mask_name
from backend.qr import qr_svg, qr_version

KEY = b"k" * 32


def test_a_code_is_authentic_short_and_qr_alphanumeric():
    code = make_code(KEY, os.urandom(16))
    assert is_authentic(KEY, code) and code.startswith(PREFIX) and len(code) == 45
    assert set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") | set(PREFIX)
    assert qr_version(code) <= 3
    assert qr_svg(code).startswith("<svg")
    assert '<path d="M4,4H5V5H4z' in qr_svg(code)  # the finder's corner, after four modules of quiet zone


@given(random=st.binary(min_size=16, max_size=16), position=st.integers(3, 44), replacement=st.sampled_from("AB27"))
def test_any_altered_character_is_detected(random, position, replacement):
    code = make_code(KEY, random)
    altered = code[:position] + replacement + code[position + 1:]
    if altered != code:
        assert not is_authentic(KEY, altered)


@pytest.mark.parametrize("text", ["", "YB1", "hello", "YB1" + "A" * 42, "XX1" + "A" * 42, "YB1!!!!"])
def test_garbage_is_not_authentic(text):
    assert not is_authentic(KEY, text)


def test_another_key_does_not_accept_our_codes():
    assert not is_authentic(b"other" * 8, make_code(KEY, os.urandom(16)))


def test_codes_are_stored_as_digests_and_read_case_insensitively():
    code = make_code(KEY, os.urandom(16))
    assert code_digest(code) == code_digest(code.lower()) != code
    assert is_authentic(KEY, code.lower())


def test_names_are_masked_for_partners():
    assert [mask_name(n) for n in ("王秀英", "张伟", "欧阳娜娜", "李")] == ["王*英", "张*", "欧**娜", "李"]
