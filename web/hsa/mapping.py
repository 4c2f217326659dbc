"""Every field mapping between the national interface and this service, in one place (docs/hsa.md).

Where HSA_INTERFACE.md marks a fact unconfirmed, the choice made is here, beside the field, and in
docs/hsa.md; changing a choice changes this module only.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.clock import CHINA
from backend.domain.codes import mask_name
from backend.domain.errors import N_, DomainError, ErrorCode
from backend.domain.idnumber import mask_id_number
from backend.domain.insurance import CLEARING_TYPE_CODE, INSUTYPE_CODE
from backend.domain.pools import OWN_ACCOUNT
from backend.domain.settlement import MAX_ITEM_CODE_LENGTH, MAX_NATIONAL_CODE_LENGTH, BillLine, Category, VisitType
from web.hsa.envelope import FORMAT, REQUIRED, text
from web.hsa.wire import Refused, Yuan, fen

# --- codes ----------------------------------------------------------------------------------------

E_VOUCHER = "01"  # mdtrt_cert_type: only the medical e-voucher (a code shown on a phone); no card reader path
NOT_E_VOUCHER = N_("Only credential type 01 (the medical e-voucher code shown on a phone) is accepted: this "
                   "service has no card reader path for ID cards (02) or social security cards (03).")
# med_type -> the visit type settled: 11 ordinary, 13 emergency, 14 chronic/special outpatient; 41 pharmacy.
OUTPATIENT_MED_TYPES = ("11", "13", "14")
PHARMACY_MED_TYPE = "41"
VISIT_TYPE = {**{code: VisitType.OUTPATIENT for code in OUTPATIENT_MED_TYPES}, PHARMACY_MED_TYPE: VisitType.PHARMACY}
# chrgitm_lv on a line (收费项目等级): 01 List A, 02 List B, 03 List C (self-pay); 99 (our choice) marks
# items outside the catalogue. The class is the catalogue's, through the institution's approved mapping of
# medins_list_codg; a chrgitm_lv the till sends is only checked against it (LINE_CATEGORY_MISMATCH) and may
# be left out. Replies report the catalogue's class.
CATEGORY = {"01": Category.A, "02": Category.B, "03": Category.C, "99": Category.NON_MEDICAL}
CHRGITM_LV = {category: code for code, category in CATEGORY.items()}
# setldetail's fund_pay_type: the basic pooled fund of each insurance type, and personal-account money.
POOLED_FUND = {"310": ("310100", "职工基本医疗保险统筹基金"), "390": ("390100", "城乡居民基本医疗保险基金")}
ACCOUNT_FUND = ("310200", "职工基本医疗保险个人账户基金")
CLR_WAY_BY_ITEM = "01"
PSN_SETLWAY_BY_ITEM = "01"
ACCT_USED = {"0": False, "1": True}  # acct_used_flag: 0 cash only, 1 the person's payer order

NOT_OFFERED = N_("Must be one of {allowed}.")
NOT_WHOLE = N_("Only whole quantities are settled.")
LINE_SUM = N_("Line {line}: det_item_fee_sumamt is not pric × cnt.")
BILL_SUM = N_("Is not the sum of the lines ({total}).")
NOT_THIS_PERSON = N_("Is not the person whose code was scanned.")


def choice(data: dict[str, Any], field: str, allowed: tuple[str, ...] | dict[str, Any], *,
           required: bool = True) -> str | None:
    value = text(data, field, 6, required=required)
    if value is not None and value not in allowed:
        raise Refused(field, NOT_OFFERED, allowed="/".join(allowed))
    return value


def code_of(data: dict[str, Any]) -> str:
    """The e-voucher code from mdtrt_cert_type + mdtrt_cert_no."""
    if text(data, "mdtrt_cert_type", 3) != E_VOUCHER:
        raise Refused("mdtrt_cert_type", NOT_E_VOUCHER)
    return text(data, "mdtrt_cert_no", 64)


def insutype_of(insurance_type: str | None) -> str | None:
    return INSUTYPE_CODE.get(insurance_type) if insurance_type else None


# --- lines ----------------------------------------------------------------------------------------

def bill_lines(rows: list[dict[str, Any]], node: str) -> list[BillLine]:
    """feedetail (2204) or drugdetail (2101/2102) rows as bill lines: medins_list_codg is the institution's
    item code (its approved mapping decides the class), med_list_codg the national code and chrgitm_lv the
    class the till believes (both optional, only checked against the catalogue), medins_list_name (or the
    code) its name, pric the unit price, cnt a whole quantity; det_item_fee_sumamt must be pric × cnt."""
    lines = []
    for number, row in enumerate(rows, start=1):
        where = f"{node}[{number}]"
        code = text(row, "medins_list_codg", MAX_ITEM_CODE_LENGTH, name=f"{where}.medins_list_codg")
        national = text(row, "med_list_codg", MAX_NATIONAL_CODE_LENGTH, required=False, name=f"{where}.med_list_codg")
        name = text(row, "medins_list_name", 100, required=False, name=f"{where}.medins_list_name") or code
        level = text(row, "chrgitm_lv", 3, required=False, name=f"{where}.chrgitm_lv")
        if level is not None and level not in CATEGORY:
            raise Refused(f"{where}.chrgitm_lv", NOT_OFFERED, allowed="/".join(CATEGORY))
        price = fen(row.get("pric"), f"{where}.pric")
        count = _whole(row.get("cnt"), f"{where}.cnt")
        if fen(row.get("det_item_fee_sumamt"), f"{where}.det_item_fee_sumamt") != price * count:
            raise Refused(f"{where}.det_item_fee_sumamt", LINE_SUM, line=number)
        lines.append(BillLine(code, name, CATEGORY[level] if level else None, price, count, national))
    return lines


def _whole(value: Any, field: str) -> int:
    if value is None:
        raise Refused(field, REQUIRED)
    match = re.fullmatch(r"([1-9][0-9]{0,5})(?:\.0{1,4})?", str(value).strip())
    if isinstance(value, bool) or match is None:
        raise Refused(field, NOT_WHOLE)
    return int(match.group(1))


def check_sum(data: dict[str, Any], lines: list[BillLine]) -> None:
    total = sum(line.amount_fen for line in lines)
    if fen(data.get("medfee_sumamt"), "medfee_sumamt") != total:
        raise Refused("medfee_sumamt", BILL_SUM, total=Yuan(total).text())


def lines_to_json(lines: list[BillLine]) -> str:
    return json.dumps([[ln.item_code, ln.name, ln.category.value if ln.category else None, ln.unit_price_fen,
                        ln.quantity, ln.national_code] for ln in lines], ensure_ascii=False)


def lines_from_json(stored: str) -> list[BillLine]:
    """Lines kept with a visit's fee batch (batches kept before national codes have five fields)."""
    return [BillLine(code, name, Category(category) if category else None, price, count, *national)
            for code, name, category, price, count, *national in json.loads(stored)]


def fee_results(rows: list[dict[str, Any]], lines: list[BillLine], chrg_bchno: str) -> list[dict[str, Any]]:
    """2204's output rows: each line as accepted. The class is decided at settlement (2206/2207), so
    chrgitm_lv and med_list_codg repeat what was sent, when sent."""
    results = []
    for row, ln in zip(rows, lines, strict=True):
        result = {"feedetl_sn": row.get("feedetl_sn"), "chrg_bchno": chrg_bchno,
                  "det_item_fee_sumamt": Yuan(ln.amount_fen), "cnt": ln.quantity, "pric": Yuan(ln.unit_price_fen),
                  "chrgitm_lv": CHRGITM_LV[ln.category] if ln.category else None,
                  "medins_list_codg": ln.item_code, "med_list_codg": ln.national_code}
        results.append({key: value for key, value in result.items() if value is not None})
    return results


def line_results(split, lines: list[BillLine]) -> list[dict[str, Any]]:
    """detlcutinfo (2101/2102, 2206/2207): each line as the catalogue settled it, in the order sent: the
    national code and class of its approved mapping (99 and no code outside the catalogue: cash only) and
    its buckets, with overlmt_selfpay the part above the entry's price cap."""
    return [_present({"medins_list_codg": ln.item_code, "med_list_codg": part.item.national_code if part.item else "",
             "chrgitm_lv": CHRGITM_LV[part.item_class], "det_item_fee_sumamt": Yuan(part.amount_fen),
             "pric_uplmt_amt": Yuan(part.item.price_cap_fen) if part.item and part.item.price_cap_fen else None,
             "fulamt_ownpay_amt": Yuan(part.self_pay_fen + part.non_medical_fen),
             "overlmt_selfpay": Yuan(part.overlmt_selfpay_fen), "preselfpay_amt": Yuan(part.b_self_first_fen),
             "inscp_scp_amt": Yuan(part.amount_fen - part.self_pay_fen - part.non_medical_fen
                                   - part.overlmt_selfpay_fen - part.b_self_first_fen),
             "fund_payamt": Yuan(part.fund_fen)})
            for ln, part in zip(lines, split.lines, strict=True)]


def _present(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value is not None}


# --- ids --------------------------------------------------------------------------------------------

def setl_id(settlement_id: uuid.UUID) -> str:
    """A settlement's id on the wire: its UUID in 26 characters of base32 (setl_id is C30)."""
    return base64.b32encode(settlement_id.bytes).decode("ascii").rstrip("=")


NOT_A_SETL_ID = N_("Not a settlement id this service gave.")


def settlement_of(value: str | None, field: str = "setl_id") -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.b32decode((value or "") + "======"))
    except (ValueError, TypeError):
        raise Refused(field, NOT_A_SETL_ID) from None


def wire_time(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


# --- settlement output ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    """A split (a quote, a settlement, or the lines one refund returned), in fen."""

    bill: int
    fund: int
    deductible: int
    copay: int
    b_self_first: int
    self_pay: int
    non_medical: int
    own: int          # the subject's own personal account
    mutual_aid: int   # relatives' accounts through grants (家庭共济)
    cash: int
    over: int         # over-limit self-pay (overlmt_selfpay): above the catalogue's price caps

    @classmethod
    def of_split(cls, split) -> Figures:
        own = split.payments.get(OWN_ACCOUNT, 0)
        return cls(split.bill_fen, split.fund_fen, split.deductible_fen, split.copay_fen, split.b_self_first_fen,
                   split.self_pay_fen, split.non_medical_fen, own, sum(split.payments.values()) - own, split.cash_fen,
                   split.overlmt_selfpay_fen)

    @classmethod
    def of_sums(cls, sums: dict[str, int], payments: dict[str, int]) -> Figures:
        own = payments.get(OWN_ACCOUNT, 0)
        return cls(sums["amount_fen"], sums["fund_fen"], sums["deductible_fen"], sums["copay_fen"],
                   sums["b_self_first_fen"], sums["self_pay_fen"], sums["non_medical_fen"], own,
                   sum(payments.values()) - own, sums["cash_fen"], sums["overlmt_selfpay_fen"])

    def negated(self) -> Figures:
        return Figures(*(-value for value in self.__dict__.values()))


@dataclass(frozen=True)
class Echo:
    """What setlinfo repeats of the request and the settlement."""

    psn_no: str
    insutype: str | None
    med_type: str
    clr_type: str
    mdtrt_id: str | None = None
    setl_id: str | None = None
    setl_time: datetime | None = None
    medins_setl_id: str | None = None
    balc: int | None = None  # only where the partner may see the balance (the graph's rule)


def setlinfo(f: Figures, echo: Echo) -> dict[str, Any]:
    """Chosen arithmetic (unconfirmed in the sources): medfee_sumamt = fund_pay_sumamt + psn_part_amt;
    psn_part_amt = acct_pay + psn_cash_pay; acct_pay is all personal-account money and includes
    acct_mulaid_pay, the part relatives' accounts paid. The buckets: medfee_sumamt = fulamt_ownpay_amt
    (List C and items outside the catalogue) + overlmt_selfpay (above price caps) + preselfpay_amt (List B's
    first share) + inscp_scp_amt (the rest, within policy scope)."""
    wholly_own = f.self_pay + f.non_medical
    info = {
        "mdtrt_id": echo.mdtrt_id, "psn_no": echo.psn_no, "insutype": echo.insutype, "med_type": echo.med_type,
        "setl_id": echo.setl_id, "setl_time": wire_time(echo.setl_time) if echo.setl_time else None,
        "medfee_sumamt": Yuan(f.bill), "fulamt_ownpay_amt": Yuan(wholly_own), "overlmt_selfpay": Yuan(f.over),
        "preselfpay_amt": Yuan(f.b_self_first), "inscp_scp_amt": Yuan(f.bill - wholly_own - f.over - f.b_self_first),
        "act_pay_dedc": Yuan(f.deductible), "hifp_pay": Yuan(f.fund), "pool_prop_selfpay": Yuan(f.copay),
        "cvlserv_pay": Yuan(0), "hifmi_pay": Yuan(0), "hifob_pay": Yuan(0), "maf_pay": Yuan(0), "oth_pay": Yuan(0),
        "fund_pay_sumamt": Yuan(f.fund), "psn_part_amt": Yuan(f.bill - f.fund),
        "acct_pay": Yuan(f.own + f.mutual_aid), "acct_mulaid_pay": Yuan(f.mutual_aid), "psn_cash_pay": Yuan(f.cash),
        "hosp_part_amt": Yuan(0), "balc": Yuan(echo.balc) if echo.balc is not None else None,
        "medins_setl_id": echo.medins_setl_id, "clr_way": CLR_WAY_BY_ITEM, "clr_type": echo.clr_type,
    }
    return {key: value for key, value in info.items() if value is not None}


def setldetail(f: Figures, insutype: str | None) -> list[dict[str, Any]]:
    """One row per fund that paid: the pooled fund of the person's insurance type, and personal-account
    money (own and mutual aid together, as acct_pay)."""
    fund_type, fund_name = POOLED_FUND.get(insutype or "", ("399999", "其他基金"))
    details = [{"fund_pay_type": fund_type, "fund_pay_type_name": fund_name, "fund_payamt": Yuan(f.fund),
                "crt_payb_lmt_amt": Yuan(0), "setl_proc_info": ""}]
    if f.own + f.mutual_aid:
        details.append({"fund_pay_type": ACCOUNT_FUND[0], "fund_pay_type_name": ACCOUNT_FUND[1],
                        "fund_payamt": Yuan(f.own + f.mutual_aid), "crt_payb_lmt_amt": Yuan(0),
                        "setl_proc_info": "含家庭共济" if f.mutual_aid else ""})
    return details


def clr_type(visit_type: VisitType) -> str:
    return CLEARING_TYPE_CODE[visit_type.value]


# --- errors from the services -----------------------------------------------------------------------

# A DomainError names the graph's input field; the reply names the wire field instead.
WIRE_FIELD = {"code": "mdtrt_cert_no", "serviceDate": "begntime", "lines": "feedetail", "allowCash": "acct_used_flag",
              "idempotencyKey": "msgid", "settlementId": "setl_id", "lineNumbers": "setl_id", "partnerId": "fixmedins_code",
              "visitType": "med_type"}
# Refusals of one line because the till disagrees with the catalogue: the line's field that disagrees.
LINE_FIELD = {ErrorCode.LINE_CATEGORY_MISMATCH: "chrgitm_lv", ErrorCode.LINE_NATIONAL_CODE_MISMATCH: "med_list_codg"}


def wire_field(field: str | None, lines_node: str = "feedetail") -> str:
    if field is None:
        return "input"
    if field == "lines" or field.startswith("lines["):
        return field.replace("lines", lines_node, 1)
    return WIRE_FIELD.get(field, field)


def error_field(error: DomainError, lines_node: str = "feedetail") -> str:
    """The wire field a service's refusal names: a line's own field where the error names one line."""
    line_field = LINE_FIELD.get(error.code)
    if line_field is not None and "line" in error.params:
        return f"{lines_node}[{error.params['line']}].{line_field}"
    return wire_field(error.field, lines_node)


# --- the log ----------------------------------------------------------------------------------------

ID_NUMBER = re.compile(r"\b[0-9]{17}[0-9Xx]\b")
NAMES = frozenset({"psn_name", "name", "opter_name_of_patient"})
ID_NUMBERS = frozenset({"certno", "psn_cert_no", "card_sn"})
SECRETS = frozenset({"mdtrt_cert_no"})  # a live code is a bearer credential for a minute


def masked(value: Any, key: str | None = None) -> Any:
    """A message as the log keeps it: names as 张*伟, ID numbers as 3701**********123X, codes cut short."""
    if isinstance(value, dict):
        return {k: masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, key) for v in value]
    if not isinstance(value, str):
        return value
    if key in NAMES:
        return mask_name(value)
    if (key in ID_NUMBERS and len(value) > 8) or ID_NUMBER.fullmatch(value):
        return mask_id_number(value)
    if key in SECRETS and len(value) > 8:
        return value[:6] + "…"
    return ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), value)


FORMAT_ = FORMAT  # re-exported for handlers that check a field's format
