"""Citizen ID numbers (公民身份号码, GB 11643-1999): 18 characters with a mod 11-2 check digit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from operator import mul

from backend.domain.errors import DomainError, ErrorCode

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# [0-9], not \d: \d (and int()) also take other scripts' digits, which would make a second spelling of one number.
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
# Province-level codes of GB/T 2260 (the first two digits of every region code).
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
)


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class IdNumber:
    value: str
    region_code: str
    birth_date: date
    sex: Sex


def check_digit(first17: str) -> str:
    if len(first17) != len(_WEIGHTS):
        raise ValueError("the check digit is computed over 17 digits")
    # map() over the digits rather than a generator: a roster import checks every row's number.
    return _CHECK_CHARS[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate an ID number and derive its birth date and sex, or raise DomainError."""
    value = raw.strip().upper()
    if len(value) != 18:
        raise DomainError(ErrorCode.ID_NUMBER_LENGTH, field="idNumber", length=len(value))
    if not _SHAPE.fullmatch(value):
        raise DomainError(ErrorCode.ID_NUMBER_CHARACTERS, field="idNumber")
    if int(value[:2]) not in _PROVINCES:
        raise DomainError(ErrorCode.ID_NUMBER_REGION, field="idNumber")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise DomainError(ErrorCode.ID_NUMBER_BIRTH_DATE, field="idNumber") from None
    if born.year < 1900 or born > (today or date.today()):
        raise DomainError(ErrorCode.ID_NUMBER_BIRTH_DATE, field="idNumber")
    if check_digit(value[:17]) != value[17]:
        raise DomainError(ErrorCode.ID_NUMBER_CHECK_DIGIT, field="idNumber")
    sex = Sex.MALE if int(value[16]) % 2 else Sex.FEMALE
    return IdNumber(value=value, region_code=value[:6], birth_date=born, sex=sex)


def make_id_number(region_code: str, born: date, sequence: int, sex: Sex) -> str:
    """Build a valid ID number (demo data and tests): sequence 0-99 plus the sex digit."""
    sex_digit = (sequence % 5) * 2 + (1 if sex is Sex.MALE else 0)
    first17 = f"{region_code}{born:%Y%m%d}{sequence % 100:02d}{sex_digit}"
    return first17 + check_digit(first17)


def mask_id_number(value: str) -> str:
    """Show the first four and last four characters: 3701**********123X."""
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) >= 7 else "*" * len(value)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def known_province(region_code: str) -> bool:
    """Whether a region code starts with a province-level code of GB/T 2260."""
    return len(region_code) >= 2 and region_code[:2].isascii() and region_code[:2].isdigit() \
        and int(region_code[:2]) in _PROVINCES
