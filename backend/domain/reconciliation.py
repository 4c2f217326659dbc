"""Daily reconciliation with a partner (R17, the national platform's 3201 totals and 3202 detail), pure.

- Which days: a past date range in China time, `first` to `last` inclusive, ending before today.
  A settlement belongs to the China-time day it was made (`Settlement.created_at`), not its service
  date; a refund or reversal to the day it was made.
- Totals: both sides' `Figures` (count, bills, fund, personal accounts = own account + mutual aid)
  and their difference; balanced when every figure agrees.
- Detail: each settlement one `DetailOutcome` (0 balanced, 1 only the service has it, 2 only the
  partner has it, 3 both have it and the amounts or the refunded flag differ).
- The detail file: its columns and each row's checks, with the roster import's header reading and
  by-row-and-column problems (`domain/roster.py`).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum

from backend.domain.errors import N_, DomainError, ErrorCode
from backend.domain.insurance import (
    INSURANCE_TYPE_BY_CODE,
    VISIT_TYPE_BY_CLEARING_CODE,
    InsuranceType,
)
from backend.domain.money import AmountError, parse_yuan
from backend.domain.roster import Header, Problem, RowError, header_columns, problem

MAX_DAYS = 366  # one reconciliation covers at most a year of days


def check_range(first: date, last: date, today: date) -> None:
    """A past date range: `first` on or before `last`, `last` before today (China time), at most MAX_DAYS."""
    if last < first:
        raise DomainError(ErrorCode.RECONCILE_RANGE_INVALID, field="last", today=today.isoformat(), max=MAX_DAYS)
    if last >= today:
        raise DomainError(ErrorCode.RECONCILE_RANGE_INVALID, field="last", today=today.isoformat(), max=MAX_DAYS)
    if (last - first).days + 1 > MAX_DAYS:
        raise DomainError(ErrorCode.RECONCILE_RANGE_INVALID, field="first", today=today.isoformat(), max=MAX_DAYS)


def day_after(day: date) -> date:
    return day + timedelta(days=1)


def insurance_type_of(code: str) -> InsuranceType:
    """310 employee, 390 resident (the national platform's insutype)."""
    kind = INSURANCE_TYPE_BY_CODE.get(code.strip())
    if kind is None:
        raise DomainError(ErrorCode.INVALID_INPUT, field="insuranceType")
    return kind


def visit_type_of(clearing_code: str) -> str:
    """11 outpatient, 21 inpatient, 41 pharmacy (the national platform's clr_type) as a `VisitType` value."""
    visit = VISIT_TYPE_BY_CLEARING_CODE.get(clearing_code.strip())
    if visit is None:
        raise DomainError(ErrorCode.INVALID_INPUT, field="clearingType")
    return visit


# --- totals (3201) ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    """One side's totals: settlements counted, bills, fund, personal accounts (own account + mutual aid)."""

    count: int
    bill_fen: int
    fund_fen: int
    account_fen: int

    def minus(self, other: Figures) -> Figures:
        return Figures(self.count - other.count, self.bill_fen - other.bill_fen, self.fund_fen - other.fund_fen,
                       self.account_fen - other.account_fen)


ZERO = Figures(0, 0, 0, 0)


@dataclass(frozen=True)
class TotalsResult:
    """The answer to a totals reconciliation: `difference` is the partner's figures less the service's."""

    balanced: bool
    ours: Figures
    theirs: Figures
    difference: Figures


def compare_totals(ours: Figures, theirs: Figures) -> TotalsResult:
    difference = theirs.minus(ours)
    return TotalsResult(difference == ZERO, ours, theirs, difference)


def net_of_refunds(settled: Figures, refunded: Figures) -> Figures:
    """What the totals hold with refunds included: the settlements, less what refunds and reversals
    made in the range gave back; each refund or reversal counts as one record, as on the national platform."""
    return Figures(settled.count + refunded.count, settled.bill_fen - refunded.bill_fen,
                   settled.fund_fen - refunded.fund_fen, settled.account_fen - refunded.account_fen)


# --- detail (3202) ------------------------------------------------------------------------------------

class DetailOutcome(IntEnum):
    BALANCED = 0
    ONLY_OURS = 1     # the service has it, the partner does not
    ONLY_THEIRS = 2   # the partner has it, the service does not (in this range, for this institution)
    DIFFERENT = 3     # both have it, and the amounts or the refunded flag differ


# The fields whose difference makes a settlement DIFFERENT, in the order a result names them.
COMPARED = ("bill", "fund", "account", "refunded")


@dataclass(frozen=True)
class DetailRow:
    """One settlement as the partner has it. `visit_id` and `person` are the partner's own references,
    carried into the result but not compared (see docs/graphql.md, "Reconciliation")."""

    settlement_id: uuid.UUID
    bill_fen: int
    fund_fen: int
    account_fen: int
    refunded: bool
    visit_id: str | None = None
    person: str | None = None
    row: int | None = None  # where it was in the file


@dataclass(frozen=True)
class Side:
    bill_fen: int
    fund_fen: int
    account_fen: int
    refunded: bool


@dataclass(frozen=True)
class DetailResult:
    """One settlement's outcome, with both sides' amounts (None where a side lacks it)."""

    settlement_id: uuid.UUID
    outcome: DetailOutcome
    ours: Side | None
    theirs: Side | None
    differences: tuple[str, ...] = ()
    visit_id: str | None = None
    person: str | None = None
    settled_at_day: date | None = None
    row: int | None = None


def differences(ours: Side, theirs: Side) -> tuple[str, ...]:
    pairs = {"bill": (ours.bill_fen, theirs.bill_fen), "fund": (ours.fund_fen, theirs.fund_fen),
             "account": (ours.account_fen, theirs.account_fen), "refunded": (ours.refunded, theirs.refunded)}
    return tuple(name for name in COMPARED if pairs[name][0] != pairs[name][1])


def outcome_of(ours: Side | None, theirs: Side | None) -> tuple[DetailOutcome, tuple[str, ...]]:
    if theirs is None:
        return DetailOutcome.ONLY_OURS, ()
    if ours is None:
        return DetailOutcome.ONLY_THEIRS, ()
    found = differences(ours, theirs)
    return (DetailOutcome.DIFFERENT if found else DetailOutcome.BALANCED), found


# --- the detail file ------------------------------------------------------------------------------------

COLUMNS: dict[str, tuple[str, ...]] = {
    "settlement_id": ("settlement_id", "setl_id", "结算ID", "结算id"),
    "visit_id": ("visit_id", "mdtrt_id", "就诊ID", "就诊id"),
    "person": ("person", "psn_no", "人员编号"),
    "bill_yuan": ("bill_yuan", "medfee_sumamt", "医疗费总额"),
    "fund_yuan": ("fund_yuan", "fund_pay_sumamt", "基金支付总额"),
    "account_yuan": ("account_yuan", "acct_pay", "个人账户支付金额", "个人账户支出"),
    "refunded": ("refunded", "refd_setl_flag", "退费结算标志", "退费标志"),
}
SYNONYMS: dict[str, str] = {"结算编号": "settlement_id", "就诊编号": "visit_id", "人员": "person",
                            "总金额": "bill_yuan", "基金支付": "fund_yuan", "个人账户": "account_yuan",
                            "是否退费": "refunded"}
REQUIRED_COLUMNS = ("settlement_id", "bill_yuan", "fund_yuan", "account_yuan", "refunded")
COLUMN_TITLES = {
    "settlement_id": N_("Settlement id (settlement_id)"), "visit_id": N_("Visit id (visit_id)"),
    "person": N_("Person (person)"), "bill_yuan": N_("Bill (bill_yuan)"), "fund_yuan": N_("Fund (fund_yuan)"),
    "account_yuan": N_("Personal accounts (account_yuan)"), "refunded": N_("Refunded (refunded)"),
}
REFERENCE_MAX = 80  # a visit id or person reference the file gives
FLAGS = {"0": False, "1": True, "false": False, "true": True, "no": False, "yes": True, "否": False, "是": True,
         "n": False, "y": True}


class DetailProblem:
    """What can be wrong with a detail file besides what a roster file can have (`roster.Problem`)."""

    SETTLEMENT_ID = "SETTLEMENT_ID"
    DUPLICATE_SETTLEMENT = "DUPLICATE_SETTLEMENT"
    FLAG = "FLAG"
    REFERENCE_TOO_LONG = "REFERENCE_TOO_LONG"


MESSAGES = {
    DetailProblem.SETTLEMENT_ID: N_("Not a settlement id: give the id the settlement was answered with."),
    DetailProblem.DUPLICATE_SETTLEMENT: N_("This settlement is also on row {other}."),
    DetailProblem.FLAG: N_("The refunded flag is 0 (not refunded) or 1 (refunded)."),
    DetailProblem.REFERENCE_TOO_LONG: N_("At most {max} characters."),
}


def detail_problem(row: int, column: str, code: str, value: str | None = None, **params) -> RowError:
    return RowError(row, column, code, MESSAGES[code], params, None if value is None else value[:100])


def read_header(fields: list[str]) -> Header:
    return header_columns(fields, COLUMNS, SYNONYMS, REQUIRED_COLUMNS)


def settlement_global_id(key: uuid.UUID) -> str:
    """The id the graph gives a settlement (Relay: base64 of "Settlement:<uuid>"), as files carry it."""
    return base64.b64encode(f"Settlement:{key}".encode()).decode()


def parse_settlement_id(text: str) -> uuid.UUID | None:
    """A settlement id as the graph gives it (`Settlement` global id), or the bare UUID; None if neither."""
    text = text.strip()
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    try:
        kind, _, key = base64.b64decode(text, validate=True).decode().partition(":")
        return uuid.UUID(key) if kind == "Settlement" else None
    except (ValueError, UnicodeDecodeError):
        return None


def check_row(row_no: int, fields: list[str], header: Header, width: int) -> tuple[DetailRow | None, list[RowError]]:
    """The row as a DetailRow, or every problem it has (by column)."""
    if len(fields) != width:
        return None, [problem(row_no, "", Problem.FIELD_COUNT, found=len(fields), expected=width)]

    def value(column: str) -> str:
        at = header.positions.get(column)
        return fields[at].strip() if at is not None else ""

    errors: list[RowError] = []
    settlement_id = parse_settlement_id(value("settlement_id")) if value("settlement_id") else None
    if not value("settlement_id"):
        errors.append(problem(row_no, "settlement_id", Problem.REQUIRED))
    elif settlement_id is None:
        errors.append(detail_problem(row_no, "settlement_id", DetailProblem.SETTLEMENT_ID, value("settlement_id")))
    amounts: dict[str, int] = {}
    for column in ("bill_yuan", "fund_yuan", "account_yuan"):
        try:
            amounts[column] = parse_yuan(value(column))
        except AmountError as refused:
            errors.append(RowError(row_no, column, Problem.AMOUNT, refused.message, value=value(column)[:100]))
    flag = FLAGS.get(value("refunded").lower())
    if flag is None:
        errors.append(detail_problem(row_no, "refunded", DetailProblem.FLAG, value("refunded")))
    references = {}
    for column in ("visit_id", "person"):
        text = value(column)
        if len(text) > REFERENCE_MAX:
            errors.append(detail_problem(row_no, column, DetailProblem.REFERENCE_TOO_LONG, text, max=REFERENCE_MAX))
        references[column] = text or None
    if errors:
        return None, errors
    return DetailRow(settlement_id, amounts["bill_yuan"], amounts["fund_yuan"], amounts["account_yuan"], flag,
                     references["visit_id"], references["person"], row_no), []


def duplicates(rows: list[DetailRow]) -> list[RowError]:
    """A settlement the file lists twice: each later row names the first."""
    first: dict[uuid.UUID, int] = {}
    found = []
    for row in rows:
        seen = first.setdefault(row.settlement_id, row.row)
        if seen != row.row:
            found.append(detail_problem(row.row, "settlement_id", DetailProblem.DUPLICATE_SETTLEMENT,
                                        str(row.settlement_id), other=seen))
    return found
