"""A bureau's roster file, row by row: which columns it has, whether each row holds, and the row's digest.

Pure: the service streams the file through `header_columns` and `check_row`; what needs the database
(an ID number twice in the file, a name that differs from the one on file, a phone someone else has)
is checked set-based after the rows are staged, with the problems named here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from backend.domain.errors import N_, DomainError
from backend.domain.idnumber import Sex, parse_id_number
from backend.domain.insurance import InsuranceStatus, InsuranceType
from backend.domain.money import AmountError, parse_yuan
from backend.domain.phone import normalize_phone
from backend.domain.regions import is_known_region
from backend.domain.spreadsheet import FILE_MESSAGES, VALUE_MAX, Columns, FileProblem, Header, RowError
from backend.domain.text import PERSON_NAME_MAX, clean_name

# Canonical column -> the header names a file may use for it: English, then a bureau extract's Chinese.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id_number": ("id_number", "身份证号", "公民身份号码"),
    "name": ("name", "姓名"),
    "phone": ("phone", "手机号", "联系电话"),
    "insurance_type": ("insurance_type", "险种"),
    "region_code": ("region_code", "统筹区", "统筹区编码"),
    "status": ("status", "参保状态"),
    "balance_yuan": ("balance_yuan", "个人账户余额"),
}
# Other names extracts use for the same columns: read as that column, and the console says so.
SYNONYMS: dict[str, str] = {
    "身份证": "id_number", "身份证号码": "id_number", "证件号码": "id_number", "id": "id_number",
    "电话": "phone", "手机": "phone", "手机号码": "phone", "电话号码": "phone", "联系方式": "phone",
    "mobile": "phone", "phone_number": "phone",
    "险种类型": "insurance_type", "参保险种": "insurance_type", "insurance": "insurance_type",
    "统筹区划": "region_code", "统筹地区": "region_code", "行政区划代码": "region_code", "region": "region_code",
    "状态": "status", "参保状态名称": "status",
    "个人账户": "balance_yuan", "账户余额": "balance_yuan", "余额": "balance_yuan", "balance": "balance_yuan",
}
# The header must have these; a value may still be empty where a row allows it (a resident's balance).
REQUIRED_COLUMNS = ("id_number", "name", "insurance_type", "region_code", "status", "balance_yuan")
# What a column is called where the file does not name it (a missing column), in the reader's language.
COLUMN_TITLES = {
    "id_number": N_("ID number (id_number)"), "name": N_("Name (name)"), "phone": N_("Phone (phone)"),
    "insurance_type": N_("Insurance type (insurance_type)"), "region_code": N_("Region code (region_code)"),
    "status": N_("Enrolment status (status)"), "balance_yuan": N_("Personal-account balance (balance_yuan)"),
}
# The problems CSV's header row, translated for whoever downloads it.
PROBLEM_CSV_HEADER = (N_("Row"), N_("Column"), N_("Value in the file"), N_("Code"), N_("Problem"))

INSURANCE_TYPES = {"employee": InsuranceType.EMPLOYEE, "职工": InsuranceType.EMPLOYEE,
                   "职工医保": InsuranceType.EMPLOYEE, "resident": InsuranceType.RESIDENT,
                   "居民": InsuranceType.RESIDENT, "城乡居民医保": InsuranceType.RESIDENT}
STATUSES = {"active": InsuranceStatus.ACTIVE, "参保": InsuranceStatus.ACTIVE, "正常参保": InsuranceStatus.ACTIVE,
            "suspended": InsuranceStatus.SUSPENDED, "暂停": InsuranceStatus.SUSPENDED,
            "暂停参保": InsuranceStatus.SUSPENDED, "ended": InsuranceStatus.ENDED, "终止": InsuranceStatus.ENDED,
            "终止参保": InsuranceStatus.ENDED}
_PHONE = re.compile(r"[0-9]{5,20}")  # after normalize_phone


class Problem(FileProblem):
    """Codes and English gettext ids of what can be wrong with a roster file (besides the ID number's own
    and those of any file, `FileProblem`)."""

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


# Problems are stored with their message id and rendered by it: ids of earlier wordings stay in the
# catalog so problems stored under them still read in the staff member's language.
STORED_EARLIER = (N_("This row has {found} fields; the header has {expected}."),)

MESSAGES = {
    **FILE_MESSAGES,
    Problem.REGION_UNKNOWN: N_("Unknown region code."),
    Problem.TYPE_UNKNOWN: N_("The insurance type is employee (职工) or resident (居民)."),
    Problem.STATUS_UNKNOWN: N_("The status is active (参保), suspended (暂停) or ended (终止)."),
    Problem.BALANCE_REQUIRED: N_("An employee's row needs the personal-account balance."),
    Problem.BALANCE_NOT_EMPLOYEE: N_("Only employees have a personal-account balance; leave it empty."),
    Problem.PHONE_FORMAT: N_("A phone number is 5 to 20 digits (spaces, dashes and +86 are fine)."),
    Problem.DUPLICATE_ID: N_("This ID number is also on row {other}."),
    Problem.DUPLICATE_PHONE: N_("This phone number is also on row {other}."),
    Problem.NAME_MISMATCH: N_("The name differs from the one on file for this ID number."),
    Problem.PHONE_TAKEN: N_("This phone number belongs to someone else on file."),
    Problem.BALANCE_NEGATIVE: N_("This balance change would take the personal account below zero."),
}


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


def _cut(value: str | None) -> str | None:
    return None if value is None else value[:VALUE_MAX]


def problem(row: int, column: str, code: str, value: str | None = None, **params: Any) -> RowError:
    return RowError(row, column, code, MESSAGES[code], params, _cut(value))


COLUMNS_SPEC = Columns(COLUMNS, SYNONYMS, REQUIRED_COLUMNS)


def header_columns(header: list[str], columns: dict[str, tuple[str, ...]] | None = None,
                   synonyms_of: dict[str, str] | None = None, required: tuple[str, ...] = REQUIRED_COLUMNS) -> Header:
    """Read the header row (`Columns.read_header`): the roster's columns by default; another file read the
    same way passes its own `columns`, `synonyms_of` and `required` (or reads with a `Columns` of its own)."""
    if columns is None and synonyms_of is None and required is REQUIRED_COLUMNS:
        return COLUMNS_SPEC.read_header(header)
    return Columns(COLUMNS if columns is None else columns, SYNONYMS if synonyms_of is None else synonyms_of,
                   required).read_header(header)


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
        errors.append(RowError(row_no, "id_number", refused.code.value, refused.message_id, refused.params,
                               _cut(value("id_number"))))
    try:
        name = clean_name(value("name"), max_length=PERSON_NAME_MAX)
    except DomainError as refused:
        errors.append(RowError(row_no, "name", refused.code.value, refused.message_id, refused.params,
                               _cut(value("name"))))
    phone = normalize_phone(value("phone")) or None
    if phone is not None and not _PHONE.fullmatch(phone):
        errors.append(problem(row_no, "phone", Problem.PHONE_FORMAT, value("phone")))
    kind = INSURANCE_TYPES.get(value("insurance_type").lower())
    if kind is None:
        errors.append(problem(row_no, "insurance_type", Problem.TYPE_UNKNOWN, value("insurance_type")))
    region = value("region_code")
    if not _known_region(region):
        errors.append(problem(row_no, "region_code", Problem.REGION_UNKNOWN, region))
    status = STATUSES.get(value("status").lower())
    if status is None:
        errors.append(problem(row_no, "status", Problem.STATUS_UNKNOWN, value("status")))
    amount = value("balance_yuan")
    if amount:
        try:
            balance = parse_yuan(amount)
        except AmountError as refused:
            errors.append(RowError(row_no, "balance_yuan", Problem.AMOUNT, refused.message, value=_cut(amount)))
        if kind is InsuranceType.RESIDENT:
            errors.append(problem(row_no, "balance_yuan", Problem.BALANCE_NOT_EMPLOYEE, amount))
    elif kind is InsuranceType.EMPLOYEE:
        errors.append(problem(row_no, "balance_yuan", Problem.BALANCE_REQUIRED))
    if errors:
        return None, errors
    values = (parsed.value, name, phone, kind.value, region, status.value, balance)
    return RosterRow(id_number=parsed.value, name=name, phone=phone, birth_date=parsed.birth_date, sex=parsed.sex,
                     insurance_type=kind, region_code=region, status=status, balance_fen=balance,
                     digest=_digest(values)), []
