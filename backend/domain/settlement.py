"""Settlement arithmetic (R7), the catalogue's say in it (R18) and who pays the personal burden (R8).
Pure: plain values in and out.

A line's class, List B share and price cap come from the catalogue entry behind its item code (through
the institution's approved mapping), never from the partner's word: a line without one is outside the
catalogue and cash only. Totals come first, per class; then each total is allocated to its lines by the
largest-remainder method, one component after another, so every line adds up and the lines add up to
the totals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol

from backend.domain.catalogue import CatalogueItem
from backend.domain.errors import N_, DomainError, ErrorCode, Msg
from backend.domain.money import BP, allocate, fund_side, yuan
from backend.domain.text import has_control_characters

# What one bill may hold. Anything larger is a typo or an attack, not a medical bill; the limits also
# keep every amount a settlement reports within what a JSON number carries exactly (2^53 - 1).
MAX_LINES = 200
MAX_ITEM_CODE_LENGTH = 40
MAX_ITEM_NAME_LENGTH = 100
MAX_QUANTITY = 100_000
MAX_LINE_FEN = 100_000_000_00   # one hundred million yuan
MAX_BILL_FEN = 100_000_000_00
MAX_NATIONAL_CODE_LENGTH = 50


class Category(StrEnum):
    """The class a line is settled as. A, B and C are the catalogue's classes (R18); NON_MEDICAL is every
    item outside the catalogue, i.e. without an approved mapping: non-medical goods (food, cosmetics,
    daily goods, R6), and medical items the insurer does not know (yet). It is cash only."""

    A = "A"                      # 甲类: covered
    B = "B"                      # 乙类: covered after the self-pay-first share
    C = "C"                      # 丙类: in the catalogue, all personal burden
    NON_MEDICAL = "NON_MEDICAL"  # outside the catalogue: cash only (R6, R18)


class SettlementStatus(StrEnum):
    SETTLED = "settled"
    PARTLY_REFUNDED = "partly_refunded"  # some lines refunded or reversed
    REFUNDED = "refunded"                # every line refunded or reversed


class VisitType(StrEnum):
    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"
    PHARMACY = "pharmacy"


# Labels for the policy checks' messages (the same gettext ids the pages use).
_KIND_LABELS = {"hospital": N_("Designated hospital"), "pharmacy": N_("Retail pharmacy"),
                "app": N_("Third-party app")}
_VISIT_LABELS = {VisitType.OUTPATIENT: N_("Outpatient"), VisitType.INPATIENT: N_("Inpatient"),
                 VisitType.PHARMACY: N_("Pharmacy")}


def check_policy(*, service_date: date, today: date, visit_type: VisitType, institution_kind: str,
                 days_limit: int | None, visit_allowed: int | None) -> None:
    """The two settlement policy checks (issue 23), with the region's limits (None: no limit): a bill is
    settled within `days_limit` days of its service date; an institution settles only the visit types its
    kind may give (`visit_allowed` 0 refuses)."""
    if visit_allowed == 0:
        raise DomainError(ErrorCode.VISIT_TYPE_NOT_OFFERED, field="visitType",
                          kind=Msg(_KIND_LABELS.get(institution_kind, institution_kind)),
                          visit=Msg(_VISIT_LABELS[visit_type]))
    if days_limit is not None and (today - service_date).days > days_limit:
        raise DomainError(ErrorCode.SERVICE_DATE_TOO_OLD, field="serviceDate", days=days_limit)


@dataclass(frozen=True)
class BillLine:
    """A bill line as the institution sends it: its own item code (medins_list_codg) decides, through
    its approved mapping; the category and national code (med_list_codg) its till may send are only
    checked against the catalogue, so a misconfigured till is caught."""

    item_code: str
    name: str
    category: Category | None
    unit_price_fen: int
    quantity: int
    national_code: str | None = None

    @property
    def amount_fen(self) -> int:
        return self.unit_price_fen * self.quantity


def class_of(item: CatalogueItem | None) -> Category:
    """The class a line is settled as: its catalogue entry's, or outside the catalogue (cash only)."""
    return Category.NON_MEDICAL if item is None else Category(item.item_class.value)


def over_limit_fen(line: BillLine, item: CatalogueItem | None) -> int:
    """The part of a line above its entry's price cap per unit (over-limit self-pay, overlmt_selfpay)."""
    if item is None or item.price_cap_fen is None:
        return 0
    return max(0, line.unit_price_fen - item.price_cap_fen) * line.quantity


def check_against_catalogue(lines: Sequence[BillLine], catalogue: Mapping[str, CatalogueItem]) -> None:
    """Refuse a bill whose till disagrees with the catalogue, naming the first line at fault: a national
    code or a category sent for an item with an approved mapping must be the catalogue's. An item without
    one is not refused: it is settled in cash only, and the answer says so line by line."""
    for number, line in enumerate(lines, start=1):
        if line.national_code is not None and (not 0 < len(line.national_code) <= MAX_NATIONAL_CODE_LENGTH
                                               or has_control_characters(line.national_code)):
            raise DomainError(ErrorCode.LINE_TEXT_INVALID, field="lines", line=number,
                              max_code=MAX_NATIONAL_CODE_LENGTH, max_name=MAX_ITEM_NAME_LENGTH)
        item = catalogue.get(line.item_code)
        if item is None:
            continue
        if line.national_code is not None and line.national_code != item.national_code:
            raise DomainError(ErrorCode.LINE_NATIONAL_CODE_MISMATCH, field="lines", line=number,
                              sent=line.national_code, expected=item.national_code)
        if line.category is not None and line.category is not class_of(item):
            raise DomainError(ErrorCode.LINE_CATEGORY_MISMATCH, field="lines", line=number,
                              sent=line.category.value, expected=item.item_class.value, national=item.national_code)


@dataclass(frozen=True)
class Parameters:
    """One version of a region's parameters, in force from `effective_from` until the region's next
    version (staff set the real ones; the shipped seed file holds samples)."""

    label: str
    effective_from: date
    region_prefix: str
    b_self_pay_first_bp: int
    premium_fen: int
    deductible_fen: Mapping[str, int]       # by insurance type, per year
    annual_fund_cap_fen: Mapping[str, int]  # by insurance type
    fund_ratio_bp: Mapping[str, Mapping[str, Mapping[str, int]]]  # type -> visit -> institution level

    def ratio_bp(self, insurance_type: str, visit_type: VisitType, level: int) -> int:
        by_level = self.fund_ratio_bp.get(insurance_type, {}).get(visit_type.value, {})
        ratio = by_level.get(str(level), by_level.get("0"))
        if ratio is None:
            raise DomainError(ErrorCode.POLICY_MISSING, field="visitType")
        return ratio


@dataclass(frozen=True)
class YearToDate:
    """The subject's annual accumulators before this settlement."""

    deductible_used_fen: int = 0
    fund_paid_fen: int = 0


@dataclass(frozen=True)
class Pool:
    """A source of money for the personal burden: the subject's own account or one grant."""

    key: str            # "own" or "grant:<id>"
    available_fen: int  # balance, and for a grant also its remaining monthly cap


class BurdenParts(Protocol):
    deductible_fen: int
    copay_fen: int
    b_self_first_fen: int
    self_pay_fen: int
    overlmt_selfpay_fen: int


def personal_burden_fen(parts: BurdenParts) -> int:
    """What the person owes (R7) before any pool pays: deductible, co-pay, List B's first share, List C,
    and the part above a price cap (R18). Items outside the catalogue are not part of it: they are paid in
    cash, never from an account (R6, R18)."""
    return (parts.deductible_fen + parts.copay_fen + parts.b_self_first_fen + parts.self_pay_fen
            + parts.overlmt_selfpay_fen)


@dataclass(frozen=True)
class LineSplit:
    amount_fen: int
    fund_fen: int
    deductible_fen: int
    copay_fen: int
    b_self_first_fen: int
    self_pay_fen: int      # List C
    non_medical_fen: int   # outside the catalogue: cash only
    payments: Mapping[str, int]  # pool key -> fen paid for this line's personal burden
    cash_fen: int          # what the person pays at the counter for this line
    item_class: Category = Category.NON_MEDICAL  # the class used
    item: CatalogueItem | None = None  # the catalogue entry used, None outside the catalogue
    overlmt_selfpay_fen: int = 0  # the part above the entry's price cap: personal burden, never the fund

    @property
    def personal_burden_fen(self) -> int:
        return personal_burden_fen(self)


@dataclass(frozen=True)
class BillSplit:
    lines: list[LineSplit]
    bill_fen: int
    fund_fen: int
    deductible_fen: int
    copay_fen: int
    b_self_first_fen: int
    self_pay_fen: int
    non_medical_fen: int
    payments: dict[str, int] = field(default_factory=dict)  # pool key -> total, in payer order
    cash_fen: int = 0
    overlmt_selfpay_fen: int = 0

    @property
    def personal_burden_fen(self) -> int:
        return personal_burden_fen(self)


def _text_ok(text: str, max_length: int) -> bool:
    return 0 < len(text) <= max_length and not has_control_characters(text)


def line_problems(number: int, line: BillLine) -> list[DomainError]:
    """Everything wrong with one line (numbered from 1), each naming the line's field at fault."""
    problems = []
    for name, text, max_length in (("itemCode", line.item_code, MAX_ITEM_CODE_LENGTH),
                                   ("name", line.name, MAX_ITEM_NAME_LENGTH)):
        if not _text_ok(text, max_length):
            problems.append(DomainError(ErrorCode.LINE_TEXT_INVALID, field=name, line=number,
                                        max_code=MAX_ITEM_CODE_LENGTH, max_name=MAX_ITEM_NAME_LENGTH))
    if line.unit_price_fen <= 0:
        problems.append(DomainError(ErrorCode.LINE_PRICE_INVALID, field="unitPriceFen", line=number))
    if not 0 < line.quantity <= MAX_QUANTITY:
        problems.append(DomainError(ErrorCode.LINE_QUANTITY_INVALID, field="quantity", line=number,
                                    max_quantity=MAX_QUANTITY))
    elif line.amount_fen > MAX_LINE_FEN:
        problems.append(DomainError(ErrorCode.LINE_TOO_LARGE, field="unitPriceFen", line=number, max=yuan(MAX_LINE_FEN)))
    return problems


def validate_lines(lines: Sequence[BillLine]) -> None:
    """Refuse a bill the service will not settle. Every bad line is reported at once: the error is the first
    line's first problem, and its `problems` are all of them, each with its line (numbered from 1)."""
    if not lines:
        raise DomainError(ErrorCode.NO_LINES, field="lines")
    if len(lines) > MAX_LINES:
        raise DomainError(ErrorCode.TOO_MANY_LINES, field="lines", max=MAX_LINES)
    problems = [problem for number, line in enumerate(lines, start=1) for problem in line_problems(number, line)]
    if problems:
        first = problems[0]
        raise DomainError(first.code, field="lines", problems=problems, **first.params)
    if sum(line.amount_fen for line in lines) > MAX_BILL_FEN:
        raise DomainError(ErrorCode.BILL_TOO_LARGE, field="lines", max=yuan(MAX_BILL_FEN))


def _sequential(total_parts: Sequence[int], weights: Sequence[int]) -> list[list[int]]:
    """Allocate several totals that together fill `weights`, one after the other, per line."""
    remaining = list(weights)
    out = []
    for total in total_parts:
        part = allocate(total, remaining)
        out.append(part)
        remaining = [r - p for r, p in zip(remaining, part, strict=True)]
    return out


def _b_self_first(b_within: Sequence[int], shares_bp: Sequence[int]) -> list[int]:
    """List B's self-pay-first share per line: one total per share (the entry's own, else the region's),
    each rounded as R7 says and allocated over its lines by the largest-remainder method."""
    out = [0] * len(b_within)
    for share in sorted(set(shares_bp)):
        group = [i for i, s in enumerate(shares_bp) if s == share and b_within[i]]
        total = sum(b_within[i] for i in group)
        first = total - fund_side(total, BP - share)
        for i, part in zip(group, allocate(first, [b_within[i] for i in group]), strict=True):
            out[i] = part
    return out


def split_bill(lines: Sequence[BillLine], params: Parameters, *, catalogue: Mapping[str, CatalogueItem],
               insurance_type: str, visit_type: VisitType, level: int, ytd: YearToDate, pools: Sequence[Pool],
               pools_may_pay: bool = True) -> BillSplit:
    """Split a bill; `catalogue` holds the entry in force behind each item code with an approved mapping."""
    validate_lines(lines)
    check_against_catalogue(lines, catalogue)
    items = [catalogue.get(line.item_code) for line in lines]
    classes = [class_of(item) for item in items]
    amounts = [line.amount_fen for line in lines]
    over_i = [over_limit_fen(line, item) for line, item in zip(lines, items, strict=True)]
    within = [a - o for a, o in zip(amounts, over_i, strict=True)]
    of = {cat: [w if c is cat else 0 for c, w in zip(classes, within, strict=True)] for cat in Category}

    # R7 totals, per class; List B's first share per share in force (an entry may have its own).
    shares = [item.b_self_first_bp if item is not None and item.b_self_first_bp is not None
              else params.b_self_pay_first_bp for item in items]
    b_first_i = _b_self_first(of[Category.B], shares)
    a_total, b_total, c_total, nm_total = (sum(of[c]) for c in (Category.A, Category.B, Category.C,
                                                                Category.NON_MEDICAL))
    b_self_first = sum(b_first_i)
    covered = a_total + b_total - b_self_first
    deductible_left = max(0, params.deductible_fen[insurance_type] - ytd.deductible_used_fen)
    deductible = min(covered, deductible_left)
    rest = covered - deductible
    cap_left = max(0, params.annual_fund_cap_fen[insurance_type] - ytd.fund_paid_fen)
    fund = min(fund_side(rest, params.ratio_bp(insurance_type, visit_type, level)), cap_left)
    copay = rest - fund
    over_total = sum(over_i)
    burden = c_total + b_self_first + deductible + copay + over_total

    # R8: the personal burden, pool by pool in payer order, then cash.
    payments: dict[str, int] = {}
    left = burden
    for pool in pools if pools_may_pay else ():
        paid = min(left, max(0, pool.available_fen))
        if paid:
            payments[pool.key] = paid
            left -= paid

    # Per line: deductible then fund over covered amounts.
    covered_i = [a + b - f for a, b, f in zip(of[Category.A], of[Category.B], b_first_i, strict=True)]
    deductible_i, fund_i = _sequential([deductible, fund], covered_i)
    copay_i = [c - d - f for c, d, f in zip(covered_i, deductible_i, fund_i, strict=True)]
    burden_i = [c + bf + d + cp + o for c, bf, d, cp, o in zip(of[Category.C], b_first_i, deductible_i, copay_i,
                                                                over_i, strict=True)]
    paid_i = _sequential(list(payments.values()), burden_i)
    split_lines = []
    for i, amount in enumerate(amounts):
        line_payments = {key: parts[i] for key, parts in zip(payments, paid_i, strict=True) if parts[i]}
        cash = burden_i[i] - sum(line_payments.values()) + of[Category.NON_MEDICAL][i]
        split_lines.append(LineSplit(
            amount_fen=amount, fund_fen=fund_i[i], deductible_fen=deductible_i[i], copay_fen=copay_i[i],
            b_self_first_fen=b_first_i[i], self_pay_fen=of[Category.C][i],
            non_medical_fen=of[Category.NON_MEDICAL][i], payments=line_payments, cash_fen=cash,
            item_class=classes[i], item=items[i], overlmt_selfpay_fen=over_i[i]))
    return BillSplit(lines=split_lines, bill_fen=sum(amounts), fund_fen=fund, deductible_fen=deductible, copay_fen=copay,
                     b_self_first_fen=b_self_first, self_pay_fen=c_total, non_medical_fen=nm_total, payments=payments,
                     cash_fen=left + nm_total, overlmt_selfpay_fen=over_total)
