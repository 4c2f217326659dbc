"""What a clerk typed: the kind of search it asks for."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.search import SearchKind, classify, fragment_grams, name_grams


@pytest.mark.parametrize(("typed", "kind", "text"), [
    ("370102195205200023", SearchKind.ID_NUMBER, "370102195205200023"),
    ("37010219520520002x", SearchKind.ID_NUMBER, "37010219520520002X"),
    (" 3701 0219 5205 2000 23 ", SearchKind.ID_NUMBER, "370102195205200023"),
    ("13800000003", SearchKind.PHONE, "13800000003"),
    ("138 0000 0003", SearchKind.PHONE, "13800000003"),
    ("0023", SearchKind.ID_SUFFIX, "0023"),
    ("002x", SearchKind.ID_SUFFIX, "002X"),
    ("5205200023", SearchKind.ID_SUFFIX, "5205200023"),
    ("23800000003", SearchKind.ID_SUFFIX, "23800000003"),  # 11 digits, but no mobile number starts with 2
    ("王", SearchKind.NAME, "王"),
    (" 秀英 ", SearchKind.NAME, "秀英"),
    ("Anna Smith", SearchKind.NAME, "Anna Smith"),
    ("王1", SearchKind.NAME, "王1"),
])
def test_each_kind_of_query(typed, kind, text):
    query = classify(typed)
    assert (query.kind, query.text) == (kind, text)


@pytest.mark.parametrize("typed", ["", "   ", "1", "123", "12X"])
def test_nothing_to_search(typed):
    assert classify(typed) is None


def test_name_grams_are_the_characters_and_their_pairs():
    assert name_grams("王秀英") == sorted(["王", "秀", "英", "王秀", "秀英"])
    assert name_grams("英英") == sorted(["英", "英英"])
    assert fragment_grams("王") == ["王"]
    assert fragment_grams("王秀英") == ["王秀", "秀英"]


@given(st.text(alphabet="王李张秀英明华", min_size=1, max_size=6), st.data())
def test_a_name_containing_a_fragment_has_all_its_grams(name, data):
    start = data.draw(st.integers(0, len(name) - 1))
    fragment = name[start:data.draw(st.integers(start + 1, len(name)))]
    assert set(fragment_grams(fragment)) <= set(name_grams(name))
