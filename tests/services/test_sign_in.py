"""Password guessing is counted per person, whichever of their names is typed (ID number or phone)."""

from datetime import date

import pytest

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.idnumber import Sex
from backend.services.admin import staff as staff_users
from backend.services.people.accounts import sign_in_with_password
from tests.helpers import CLI, person, staff

pytestmark = pytest.mark.pooler


@pytest.fixture
def me(rt):
    return person(rt, "张伟", date(1978, 3, 14), Sex.MALE, phone="13800000001", password="secret-pw")


def _locked(rt, username: str, password: str, address: str = "192.0.2.1") -> bool:
    try:
        sign_in_with_password(rt, username, password, address)
    except DomainError as refused:
        assert refused.code is ErrorCode.TOO_MANY_ATTEMPTS
        return True
    return False


def test_guesses_by_id_number_and_by_phone_add_up_for_one_person(rt, me):
    for username in (me.id_number, "13800000001", me.id_number.lower(), "13800000001", me.id_number):
        assert sign_in_with_password(rt, username, "guess", "192.0.2.1") is None
    assert _locked(rt, me.id_number, "secret-pw")
    assert _locked(rt, "13800000001", "secret-pw")


def test_a_locked_id_number_stops_sign_in_by_phone(rt, clock, me):
    for _ in range(5):
        sign_in_with_password(rt, me.id_number, "guess", "192.0.2.1")
    assert _locked(rt, "13800000001", "secret-pw", address="198.51.100.7")
    clock.advance(minutes=16)
    assert sign_in_with_password(rt, "13800000001", "secret-pw", "198.51.100.7") is not None


def test_a_success_clears_the_person_counter(rt, me):
    for _ in range(4):
        sign_in_with_password(rt, "13800000001", "guess", "192.0.2.1")
    assert sign_in_with_password(rt, me.id_number, "secret-pw", "192.0.2.1") is not None
    for _ in range(4):
        assert sign_in_with_password(rt, me.id_number, "guess", "192.0.2.1") is None
    assert not _locked(rt, "13800000001", "secret-pw")


def test_unknown_names_are_counted_per_name(rt, me):
    for _ in range(5):
        assert sign_in_with_password(rt, "13899999999", "guess", "192.0.2.1") is None
    assert _locked(rt, "13899999999", "guess")
    assert not _locked(rt, "13899999998", "guess")
    assert sign_in_with_password(rt, me.id_number, "secret-pw", "192.0.2.1") is not None


def test_staff_are_counted_per_user(rt):
    staff(rt, "clerk", username="Clerk07")
    for _ in range(5):
        assert sign_in_with_password(rt, "Clerk07", "guess", "192.0.2.1") is None
    assert _locked(rt, "Clerk07", "pw")


def test_a_disabled_staff_user_is_told_so_only_after_the_right_password(rt):
    staff(rt, "clerk", username="clerk07")
    staff_users.disable_staff_user(rt, CLI, "clerk07", reason="left the office")
    assert sign_in_with_password(rt, "clerk07", "guess", "192.0.2.1") is None  # like any wrong password
    with pytest.raises(DomainError) as refused:
        sign_in_with_password(rt, "clerk07", "pw", "192.0.2.1")
    assert refused.value.code is ErrorCode.ACCOUNT_DISABLED
    staff_users.enable_staff_user(rt, CLI, "clerk07", reason="back")
    assert sign_in_with_password(rt, "clerk07", "pw", "192.0.2.1").role == "clerk"
