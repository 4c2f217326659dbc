"""A bureau's roster file, row by row: which columns it has, whether each row holds, and the row's digest.

Pure: the service streams the file through `header_columns` and `check_row`; what needs the database
(an ID number twice in the file, a name that differs from the one on file, a phone someone else has)
is checked set-based after the rows are staged, with the problems named here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from backend.domain.errors import N_, DomainError
from backend.domain.idnumber import Sex, parse_id_number
from backend.domain.insurance import InsuranceStatus, InsuranceType
from backend.domain.money import AmountError, parse_yuan
from backend.domain.regions import is_known_region
from backend.domain.text import PERSON_NAME_MAX, clean_name

# Canonical column -> the header names a file may use for it (English, or a bureau extract's Chinese).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id_number": ("id_number", "身份证号", "公民身份号码"),
    "name": ("name", "姓名"),
    "phone": ("phone", "手机号", "联系电话"),
    "insurance_type": ("insurance_type", "险种"),
    "region_code": ("region_code", "统筹区", "统筹区编码"),
    "status": ("status", "参保状态"),
    "balance_yuan": ("balance_yuan", "个人账户余额"),
}
REQUIRED_COLUMNS = ("id_number", "name", "insurance_type", "region_code", "status")

INSURANCE_TYPES = {"employee": InsuranceType.EMPLOYEE, "职工": InsuranceType.EMPLOYEE,
                   "职工医保": InsuranceType.EMPLOYEE, "resident": InsuranceType.RESIDENT,
                   "居民": InsuranceType.RESIDENT, "城乡居民医保": InsuranceType.RESIDENT}
STATUSES = {"active": InsuranceStatus.ACTIVE, "参保": InsuranceStatus.ACTIVE, "正常参保": InsuranceStatus.ACTIVE,
            "suspended": InsuranceStatus.SUSPENDED, "暂停": InsuranceStatus.SUSPENDED,
            "暂停参保": InsuranceStatus.SUSPENDED, "ended": InsuranceStatus.ENDED, "终止": InsuranceStatus.ENDED,
            "终止参保": InsuranceStatus.ENDED}
_PHONE = re.compile(r"\+?[0-9][0-9-]{4,19}")
PHONE_MAX = 20


class Problem:
    """Codes and English gettext ids of what can be wrong with a roster file (besides the ID number's own)."""

    MISSING_COLUMN = "MISSING_COLUMN"
    FIELD_COUNT = "FIELD_COUNT"
    REQUIRED = "REQUIRED"
    REGION_UNKNOWN = "REGION_UNKNOWN"
    TYPE_UNKNOWN = "TYPE_UNKNOWN"
    STATUS_UNKNOWN = "STATUS_UNKNOWN"
    AMOUNT = "AMOUNT"
    BALANCE_REQUIRED = "BALANCE_REQUIRED"
    BALANCE_NOT_EMPLOYEE = "BALANCE_NOT_EMPLOYEE"
    PHONE_FORMAT = "PHONE_FORMAT"
    DUPLICATE_ID = "DUPLICATE_ID"
    DUPLICATE_PHONE = "DUPLICATE_PHONE"
    NAME_MISMATCH = "NAME_MISMATCH"
    PHONE_TAKEN = "PHONE_TAKEN"
    BALANCE_NEGATIVE = "BALANCE_NEGATIVE"
    ENCODING = "ENCODING"
    EMPTY_FILE = "EMPTY_FILE"


MESSAGES = {
    Problem.MISSING_COLUMN: N_("The header has no column “{name}”."),
    Problem.FIELD_COUNT: N_("This row has {found} fields; the header has {expected}."),
    Problem.REQUIRED: N_("Required."),
    Problem.REGION_UNKNOWN: N_("Unknown region code."),
    Problem.TYPE_UNKNOWN: N_("The insurance type is employee (职工) or resident (居民)."),
    Problem.STATUS_UNKNOWN: N_("The status is active (参保), suspended (暂停) or ended (终止)."),
    Problem.BALANCE_REQUIRED: N_("An employee's row needs the personal-account balance."),
    Problem.BALANCE_NOT_EMPLOYEE: N_("Only employees have a personal-account balance; leave it empty."),
    Problem.PHONE_FORMAT: N_("A phone number is 5 to 20 digits."),
    Problem.DUPLICATE_ID: N_("This ID number is also on row {other}."),
    Problem.DUPLICATE_PHONE: N_("This phone number is also on row {other}."),
    Problem.NAME_MISMATCH: N_("The name differs from the one on file for this ID number."),
    Problem.PHONE_TAKEN: N_("This phone number belongs to someone else on file."),
    Problem.BALANCE_NEGATIVE: N_("This balance change would take the personal account below zero."),
    Problem.ENCODING: N_("The file cannot be read as {encoding} from here on; give its encoding."),
    Problem.EMPTY_FILE: N_("The file has no header row."),
}


@dataclass(frozen=True)
class RowError:
    """A problem on a row (1 is the header) and column; `message_id` is a gettext id, `params` fill it."""

    row: int
    column: str
    code: str
    message_id: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RosterRow:
    """A row that holds: normalized values, and the digest that says whether it changed since last time."""

    id_number: str
    name: str
    phone: str | None
    birth_date: date
    sex: Sex
    insurance_type: InsuranceType
    region_code: str
    status: InsuranceStatus
    balance_fen: int | None
    digest: str


@cache
def _known_region(code: str) -> bool:  # a roster has a few regions and many rows
    return is_known_region(code)


def problem(row: int, column: str, code: str, **params: Any) -> RowError:
    return RowError(row, column, code, MESSAGES[code], params)


def header_columns(header: list[str]) -> tuple[dict[str, int], list[RowError]]:
    """Where each canonical column sits in the header row; a missing required column is an error."""
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    positions: dict[str, int] = {}
    for column, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                positions[column] = names.index(alias)
                break
    errors = [problem(1, column, Problem.MISSING_COLUMN, name=column)
              for column in REQUIRED_COLUMNS if column not in positions]
    return positions, errors


def _digest(values: tuple) -> str:
    return hashlib.sha256("\x1f".join("" if v is None else str(v) for v in values).encode()).hexdigest()


def check_row(row_no: int, fields: list[str], positions: dict[str, int], width: int,
              today: date) -> tuple[RosterRow | None, list[RowError]]:
    """The row normalized, or every problem it has (by column)."""
    if len(fields) != width:
        return None, [problem(row_no, "", Problem.FIELD_COUNT, found=len(fields), expected=width)]

    def value(column: str) -> str:
        at = positions.get(column)
        return fields[at].strip() if at is not None else ""

    errors: list[RowError] = []
    parsed = name = phone = kind = status = region = balance = None
    try:
        parsed = parse_id_number(value("id_number"), today=today)
    except DomainError as refused:
        errors.append(RowError(row_no, "id_number", refused.code.value, refused.message_id, refused.params))
    try:
        name = clean_name(value("name"), max_length=PERSON_NAME_MAX)
    except DomainError as refused:
        errors.append(RowError(row_no, "name", refused.code.value, refused.message_id, refused.params))
    phone = value("phone") or None
    if phone is not None and not _PHONE.fullmatch(phone):
        errors.append(problem(row_no, "phone", Problem.PHONE_FORMAT))
    kind = INSURANCE_TYPES.get(value("insurance_type").lower())
    if kind is None:
        errors.append(problem(row_no, "insurance_type", Problem.TYPE_UNKNOWN))
    region = value("region_code")
    if not _known_region(region):
        errors.append(problem(row_no, "region_code", Problem.REGION_UNKNOWN))
    status = STATUSES.get(value("status").lower())
    if status is None:
        errors.append(problem(row_no, "status", Problem.STATUS_UNKNOWN))
    amount = value("balance_yuan")
    if amount:
        try:
            balance = parse_yuan(amount)
        except AmountError as refused:
            errors.append(RowError(row_no, "balance_yuan", Problem.AMOUNT, refused.message))
        if kind is InsuranceType.RESIDENT:
            errors.append(problem(row_no, "balance_yuan", Problem.BALANCE_NOT_EMPLOYEE))
    elif kind is InsuranceType.EMPLOYEE:
        errors.append(problem(row_no, "balance_yuan", Problem.BALANCE_REQUIRED))
    if errors:
        return None, errors
    values = (parsed.value, name, phone, kind.value, region, status.value, balance)
    return RosterRow(id_number=parsed.value, name=name, phone=phone, birth_date=parsed.birth_date, sex=parsed.sex,
                     insurance_type=kind, region_code=region, status=status, balance_fen=balance,
                     digest=_digest(values)), []
