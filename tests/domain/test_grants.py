"""The monthly cap (R5): what a grant may still pay this month, and which caps a grantor may set."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.grants import MONTHLY_CAP_MAX_FEN, cap_room, check_monthly_cap, payable, require_within_cap

fen = st.integers(min_value=0, max_value=10**9)
caps = st.none() | st.integers(min_value=1, max_value=MONTHLY_CAP_MAX_FEN)


def test_worked_examples():
    assert cap_room(None, 5_000) is None  # no cap: no headroom to speak of
    assert cap_room(10_000, 4_000) == 6_000
    assert cap_room(10_000, 12_000) == 0  # a refund-free overshoot never goes negative
    assert payable(50_000, None, 99_999) == 50_000  # uncapped: the grantor's balance
    assert payable(50_000, 10_000, 4_000) == 6_000  # capped: the cap's headroom
    assert payable(3_000, 10_000, 4_000) == 3_000  # the balance, when it is less


@given(balance=fen, cap=caps, spent=fen)
def test_a_grant_never_pays_more_than_the_balance_or_the_caps_headroom(balance, cap, spent):
    can = payable(balance, cap, spent)
    assert 0 <= can <= balance
    if cap is None:
        assert can == balance and cap_room(cap, spent) is None
    else:
        assert can <= cap_room(cap, spent) == max(0, cap - spent)
        assert can == min(balance, cap_room(cap, spent))


@given(cap=caps, spent=fen, amount=st.integers(min_value=1, max_value=10**9))
def test_a_payment_within_the_headroom_passes_and_one_over_it_is_refused(cap, spent, amount):
    room = cap_room(cap, spent)
    if room is None or amount <= room:
        require_within_cap(room, amount)
    else:
        with pytest.raises(DomainError) as refused:
            require_within_cap(room, amount)
        assert refused.value.code == ErrorCode.MONTHLY_CAP_EXCEEDED


@pytest.mark.parametrize("cap", [None, 1, MONTHLY_CAP_MAX_FEN])
def test_caps_a_grantor_may_set(cap):
    check_monthly_cap(cap)


@pytest.mark.parametrize("cap", [0, -1, MONTHLY_CAP_MAX_FEN + 1])
def test_caps_refused(cap):
    with pytest.raises(DomainError) as refused:
        check_monthly_cap(cap)
    assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_INPUT, "monthlyCapFen")
