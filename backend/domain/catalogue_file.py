"""A catalogue file (医保目录, R18), row by row: its columns, whether each row holds, the row's digest.

Pure. The service streams the file through `COLUMNS.read_header` and `check_row`; what needs the whole
file or the catalogue on file (a code and start date twice, a version already on file with other values)
is checked afterwards, with the problems named here. A line whose first cell starts with `#` is a comment
(the shipped sample says what it is that way).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from backend.domain.catalogue import ItemClass, ItemKind
from backend.domain.errors import N_, DomainError
from backend.domain.money import AmountError, parse_yuan
from backend.domain.spreadsheet import FILE_MESSAGES, Columns, FileProblem, RowError, cut
from backend.domain.text import clean_name, has_control_characters

NAME_MAX = 200
CODE_MAX = 50
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")

# Canonical column -> the header names a file may use for it: English, then the insurer's Chinese.
COLUMNS = Columns(
    names={
        "national_code": ("national_code", "国家医保编码", "医保目录编码"),
        "name": ("name", "名称", "项目名称"),
        "kind": ("kind", "目录类别"),
        "item_class": ("class", "甲乙类"),
        "b_self_first_percent": ("b_self_first_percent", "先行自付比例"),
        "price_cap_yuan": ("price_cap_yuan", "最高限价"),
        "valid_from": ("valid_from", "开始日期"),
        "valid_to": ("valid_to", "结束日期"),
    },
    synonyms={
        "med_list_codg": "national_code", "医保编码": "national_code", "编码": "national_code", "code": "national_code",
        "通用名": "name", "药品名称": "name", "项目名": "name", "item_name": "name",
        "类别": "kind", "目录分类": "kind",
        "医保类别": "item_class", "甲乙丙类": "item_class", "item_class": "item_class", "chrgitm_lv": "item_class",
        "自付比例": "b_self_first_percent", "乙类先行自付比例": "b_self_first_percent",
        "限价": "price_cap_yuan", "支付标准": "price_cap_yuan", "price_cap": "price_cap_yuan",
        "生效日期": "valid_from", "起始日期": "valid_from", "begndate": "valid_from",
        "失效日期": "valid_to", "终止日期": "valid_to", "enddate": "valid_to",
    },
    required=("national_code", "name", "kind", "item_class", "valid_from"),
)
# What a column is called where the file does not name it (a missing column), in the reader's language.
COLUMN_TITLES = {
    "national_code": N_("National code (national_code)"), "name": N_("Name (name)"), "kind": N_("Kind (kind)"),
    "item_class": N_("Class (class)"), "b_self_first_percent": N_("Class B self-pay-first % (b_self_first_percent)"),
    "price_cap_yuan": N_("Price cap in yuan (price_cap_yuan)"), "valid_from": N_("Valid from (valid_from)"),
    "valid_to": N_("Valid to (valid_to)"),
}

KINDS = {"drug": ItemKind.DRUG, "药品": ItemKind.DRUG, "西药": ItemKind.DRUG, "中成药": ItemKind.DRUG,
         "中药饮片": ItemKind.DRUG, "service": ItemKind.SERVICE, "医疗服务": ItemKind.SERVICE,
         "医疗服务项目": ItemKind.SERVICE, "诊疗项目": ItemKind.SERVICE, "consumable": ItemKind.CONSUMABLE,
         "医用耗材": ItemKind.CONSUMABLE, "耗材": ItemKind.CONSUMABLE}
CLASSES = {"a": ItemClass.A, "甲": ItemClass.A, "甲类": ItemClass.A, "b": ItemClass.B, "乙": ItemClass.B,
           "乙类": ItemClass.B, "c": ItemClass.C, "丙": ItemClass.C, "丙类": ItemClass.C}
_DATE = re.compile(r"(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})")


class Problem(FileProblem):
    """Codes of what can be wrong with a catalogue file (besides those of any file, `FileProblem`)."""

    CODE_FORMAT = "CODE_FORMAT"
    KIND_UNKNOWN = "KIND_UNKNOWN"
    CLASS_UNKNOWN = "CLASS_UNKNOWN"
    PERCENT = "PERCENT"
    SHARE_NOT_B = "SHARE_NOT_B"
    AMOUNT = "AMOUNT"
    DATE_FORMAT = "DATE_FORMAT"
    DATES_ORDER = "DATES_ORDER"
    DUPLICATE_VERSION = "DUPLICATE_VERSION"
    VERSION_DIFFERS = "VERSION_DIFFERS"


MESSAGES = {
    **FILE_MESSAGES,
    Problem.CODE_FORMAT: N_("A national code has 1 to {max} letters, digits, dots, dashes or underscores."),
    Problem.KIND_UNKNOWN: N_("The kind is drug (药品), service (医疗服务) or consumable (医用耗材)."),
    Problem.CLASS_UNKNOWN: N_("The class is A (甲类), B (乙类) or C (丙类)."),
    Problem.PERCENT: N_("A percentage from 0 to 100 with at most two decimal places, please."),
    Problem.SHARE_NOT_B: N_("Only a class B item has its own self-pay-first share; leave it empty."),
    Problem.DATE_FORMAT: N_("A date is written 2026-01-31."),
    Problem.DATES_ORDER: N_("The valid-to date comes before the valid-from date."),
    Problem.DUPLICATE_VERSION: N_("This code from this date is also on row {other}."),
    Problem.VERSION_DIFFERS: N_("The catalogue already has this code from this date with other values; a change "
                                "is a new version from a later date."),
}


@dataclass(frozen=True)
class CatalogueRow:
    """A row that holds: normalized values, and the digest that tells the same version again (`digest`)."""

    national_code: str
    name: str
    kind: ItemKind
    item_class: ItemClass
    b_self_first_bp: int | None
    price_cap_fen: int | None
    valid_from: date
    valid_to: date | None
    digest: str


def problem(row: int, column: str, code: str, value: str | None = None, **params: Any) -> RowError:
    return RowError(row, column, code, MESSAGES[code], params, cut(value))


def is_comment(fields: list[str]) -> bool:
    return bool(fields) and fields[0].lstrip("\ufeff").lstrip().startswith("#")


def parse_date(text: str) -> date | None:
    match = _DATE.fullmatch(text.strip())
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def digest(national_code: str, name: str, kind: str, item_class: str, b_self_first_bp: int | None,
           price_cap_fen: int | None) -> str:
    """What a version says, as a digest. Its end date is not part of it: a file may end (or move the end
    of) a version on file by giving it again with a valid-to date."""
    values = (national_code, name, kind, item_class, b_self_first_bp, price_cap_fen)
    return hashlib.sha256("\x1f".join("" if v is None else str(v) for v in values).encode()).hexdigest()


def check_row(row_no: int, fields: list[str], positions: dict[str, int],
              width: int) -> tuple[CatalogueRow | None, list[RowError]]:
    """The row normalized, or every problem it has (by column)."""
    if len(fields) != width:
        return None, [problem(row_no, "", Problem.FIELD_COUNT, found=len(fields), expected=width)]

    def value(column: str) -> str:
        at = positions.get(column)
        return fields[at].strip() if at is not None else ""

    errors: list[RowError] = []
    code = value("national_code")
    if not code:
        errors.append(problem(row_no, "national_code", Problem.REQUIRED))
    elif len(code) > CODE_MAX or not _CODE.fullmatch(code):
        errors.append(problem(row_no, "national_code", Problem.CODE_FORMAT, code, max=CODE_MAX))
    name = None
    try:
        name = clean_name(value("name"), max_length=NAME_MAX)
    except DomainError as refused:
        errors.append(RowError(row_no, "name", refused.code.value, refused.message_id, refused.params,
                               cut(value("name"))))
    kind = KINDS.get(value("kind").lower())
    if kind is None:
        errors.append(problem(row_no, "kind", Problem.KIND_UNKNOWN, value("kind")))
    item_class = CLASSES.get(value("item_class").lower())
    if item_class is None:
        errors.append(problem(row_no, "item_class", Problem.CLASS_UNKNOWN, value("item_class")))
    share = None
    if text := value("b_self_first_percent").removesuffix("%").strip():
        try:
            share = parse_yuan(text)  # a percentage with two decimals is basis points, as yuan are fen
        except AmountError:
            share = None
        if share is None or share > 10_000:
            errors.append(problem(row_no, "b_self_first_percent", Problem.PERCENT, value("b_self_first_percent")))
            share = None
        elif item_class is not None and item_class is not ItemClass.B:
            errors.append(problem(row_no, "b_self_first_percent", Problem.SHARE_NOT_B, text))
    cap = None
    if text := value("price_cap_yuan"):
        try:
            cap = parse_yuan(text)
        except AmountError as refused:
            errors.append(RowError(row_no, "price_cap_yuan", Problem.AMOUNT, refused.message, value=cut(text)))
    valid_from = parse_date(value("valid_from"))
    if not value("valid_from"):
        errors.append(problem(row_no, "valid_from", Problem.REQUIRED))
    elif valid_from is None:
        errors.append(problem(row_no, "valid_from", Problem.DATE_FORMAT, value("valid_from")))
    valid_to = None
    if text := value("valid_to"):
        valid_to = parse_date(text)
        if valid_to is None:
            errors.append(problem(row_no, "valid_to", Problem.DATE_FORMAT, text))
        elif valid_from is not None and valid_to < valid_from:
            errors.append(problem(row_no, "valid_to", Problem.DATES_ORDER, text))
    if errors:
        return None, errors
    return CatalogueRow(national_code=code, name=name, kind=kind, item_class=item_class, b_self_first_bp=share,
                        price_cap_fen=cap, valid_from=valid_from, valid_to=valid_to,
                        digest=digest(code, name, kind.value, item_class.value, share, cap)), []


# --- An institution's mapping file (目录对照): its item codes and the national codes they are ---

MAPPING_COLUMNS = Columns(
    names={"item_code": ("item_code", "机构项目编码", "医药机构目录编码"),
           "national_code": ("national_code", "国家医保编码", "医保目录编码"),
           "item_name": ("item_name", "机构项目名称", "医药机构目录名称")},
    synonyms={"medins_list_codg": "item_code", "本院编码": "item_code", "项目编码": "item_code",
              "med_list_codg": "national_code", "医保编码": "national_code",
              "medins_list_name": "item_name", "项目名称": "item_name", "名称": "item_name"},
    required=("item_code", "national_code"),
)
MAPPING_COLUMN_TITLES = {
    "item_code": N_("Your item code (item_code)"), "national_code": N_("National code (national_code)"),
    "item_name": N_("Your item name (item_name)"),
}


class MappingProblem(FileProblem):
    ITEM_CODE_FORMAT = "ITEM_CODE_FORMAT"
    CODE_FORMAT = Problem.CODE_FORMAT
    NAME_FORMAT = "NAME_FORMAT"
    DUPLICATE_ITEM = "DUPLICATE_ITEM"
    CODE_UNKNOWN = "CODE_UNKNOWN"


MAPPING_MESSAGES = {
    **FILE_MESSAGES,
    MappingProblem.ITEM_CODE_FORMAT: N_("An item code has 1 to {max} characters, without control characters."),
    MappingProblem.CODE_FORMAT: MESSAGES[Problem.CODE_FORMAT],
    MappingProblem.NAME_FORMAT: N_("A name has at most {max} characters, without control characters."),
    MappingProblem.DUPLICATE_ITEM: N_("This item code is also on row {other}."),
    MappingProblem.CODE_UNKNOWN: N_("The catalogue has no item with this national code."),
}


@dataclass(frozen=True)
class MappingRow:
    item_code: str
    national_code: str
    item_name: str | None


def mapping_problem(row: int, column: str, code: str, value: str | None = None, **params: Any) -> RowError:
    return RowError(row, column, code, MAPPING_MESSAGES[code], params, cut(value))


def check_mapping_row(row_no: int, fields: list[str], positions: dict[str, int], width: int, *, item_code_max: int,
                      item_name_max: int) -> tuple[MappingRow | None, list[RowError]]:
    """A mapping row normalized, or its problems by column."""
    if len(fields) != width:
        return None, [mapping_problem(row_no, "", MappingProblem.FIELD_COUNT, found=len(fields), expected=width)]

    def value(column: str) -> str:
        at = positions.get(column)
        return fields[at].strip() if at is not None else ""

    errors: list[RowError] = []
    item = value("item_code")
    if not item:
        errors.append(mapping_problem(row_no, "item_code", MappingProblem.REQUIRED))
    elif len(item) > item_code_max or has_control_characters(item):
        errors.append(mapping_problem(row_no, "item_code", MappingProblem.ITEM_CODE_FORMAT, item, max=item_code_max))
    code = value("national_code")
    if not code:
        errors.append(mapping_problem(row_no, "national_code", MappingProblem.REQUIRED))
    elif len(code) > CODE_MAX or not _CODE.fullmatch(code):
        errors.append(mapping_problem(row_no, "national_code", MappingProblem.CODE_FORMAT, code, max=CODE_MAX))
    name = value("item_name") or None
    if name is not None and (len(name) > item_name_max or has_control_characters(name)):
        errors.append(mapping_problem(row_no, "item_name", MappingProblem.NAME_FORMAT, name, max=item_name_max))
    return (None, errors) if errors else (MappingRow(item, code, name), [])
