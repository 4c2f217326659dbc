"""Monthly clearing (R16), pure: months in China time, batch states, the clearing keys, payee accounts,
and how a deduction goes back to the sources that paid.

A batch covers one calendar month in China time and may be prepared only once that month has ended.
What the insurer owes for a settlement is its fund part plus every personal-account part (own account
and mutual aid); cash was paid at the counter and is never cleared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.insurance import CLEARING_TYPE_CODE, INSUTYPE_CODE
from backend.domain.money import allocate, yuan
from backend.domain.text import has_control_characters

CHINA_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
BANK_NAME_MAX = 60
ACCOUNT_NUMBER_MIN, ACCOUNT_NUMBER_MAX = 8, 34
BANK_REFERENCE = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class BatchStatus(StrEnum):
    PREPARED = "prepared"  # a clerk prepared it; an auditor reviews, deducts, approves or rejects
    APPROVED = "approved"  # an auditor (not the preparer) approved it; an admin pays it, or it is rejected
    PAID = "paid"  # paid against the bank's reference; closed for good
    REJECTED = "rejected"  # sent back with a reason; its month may be prepared again


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str | None, field: str = "month") -> Month:
        found = CHINA_MONTH.match((text or "").strip())
        if not found:
            raise DomainError(ErrorCode.MONTH_INVALID, field=field)
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def start(self, zone) -> datetime:
        """The month's first instant in `zone` (China time for clearing), as an aware datetime."""
        return datetime.combine(self.first_day(), time(), tzinfo=zone)

    def end(self, zone) -> datetime:
        """The first instant after the month: what belongs to it was created before this."""
        return self.next().start(zone)


def require_ended(month: Month, now: datetime, zone) -> None:
    """A month is cleared only after it has ended (in China time)."""
    if now < month.end(zone):
        raise DomainError(ErrorCode.MONTH_NOT_ENDED, field="month", month=str(month))


def insutype_code(insurance_type: str | None) -> str:
    """310 employee, 390 resident (a person with no enrolment on record is cleared as resident)."""
    return INSUTYPE_CODE.get(insurance_type, "390")  # type: ignore[call-overload]


def clearing_type_code(visit_type: str) -> str:
    return CLEARING_TYPE_CODE[visit_type]


def payable(fund_fen: int, own_fen: int, aid_fen: int, deducted_fen: int) -> int:
    """What the insurer pays: fund plus personal-account parts, less deductions; never cash."""
    return fund_fen + own_fen + aid_fen - deducted_fen


def split_deduction(amount_fen: int, fund_room: int, payer_room: dict) -> tuple[int, dict]:
    """Return a deduction to where it came from: the fund and each personal account that paid, in
    proportion to what each still holds of the settlement (largest remainder, ties to the fund, then
    to payers in the order given). Raises DEDUCTION_TOO_LARGE above what is left to deduct."""
    payers = list(payer_room)
    room = [fund_room] + [payer_room[p] for p in payers]
    left = sum(room)
    if amount_fen <= 0:
        raise DomainError(ErrorCode.AMOUNT_INVALID, field="amount")
    if amount_fen > left:
        raise DomainError(ErrorCode.DEDUCTION_TOO_LARGE, field="amount", max=yuan(left))
    parts = allocate(amount_fen, room)
    return parts[0], {p: part for p, part in zip(payers, parts[1:], strict=True) if part}


def check_payee_account(bank_name: str | None, account_no: str | None) -> tuple[str, str]:
    """A bank name (1-60 printable characters) and an account number of 8-34 digits (spaces dropped)."""
    name = (bank_name or "").strip()
    number = re.sub(r"\s+", "", account_no or "")
    if (not name or len(name) > BANK_NAME_MAX or has_control_characters(name)
            or not number.isdigit() or not number.isascii()
            or not ACCOUNT_NUMBER_MIN <= len(number) <= ACCOUNT_NUMBER_MAX):
        raise DomainError(ErrorCode.BANK_ACCOUNT_INVALID, field="accountNumber", max_name=BANK_NAME_MAX,
                          max_number=ACCOUNT_NUMBER_MAX)
    return name, number


def mask_account(number: str | None) -> str | None:
    """All but the last four digits hidden: 6222 0212 3456 7890 -> ************7890."""
    if not number:
        return number
    return "*" * max(len(number) - 4, 0) + number[-4:]


def check_bank_reference(reference: str | None) -> str:
    text = (reference or "").strip()
    if not BANK_REFERENCE.match(text):
        raise DomainError(ErrorCode.BANK_REFERENCE_INVALID, field="bankReference", max=64)
    return text
