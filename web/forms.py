"""Reading form values people type: money in yuan to integer fen and percentages to basis points exactly,
whole quantities."""

from __future__ import annotations

import re
from decimal import Decimal

from backend.domain.errors import N_

REQUIRED = N_("Required.")
AMOUNT_FORMAT = N_("Enter an amount in yuan, for example 12.50.")
AMOUNT_NEGATIVE = N_("The amount cannot be negative.")
AMOUNT_DECIMALS = N_("An amount in yuan has at most two decimal places.")
AMOUNT_TOO_LARGE = N_("The amount is too large.")
RATIO_FORMAT = N_("A ratio is a percentage from 0 to 100 with at most two decimal places.")
QUANTITY_INVALID = N_("The quantity is a whole number, 1 or more.")
QUANTITY_TOO_LARGE = N_("The quantity is too large.")

MAX_AMOUNT_FEN = 1_000_000_000  # ten million yuan: a typo, and beyond what a GraphQL Int carries safely
MAX_QUANTITY = 100_000
_YUAN = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_WHOLE = re.compile(r"[0-9]+")


class FieldError(ValueError):
    """A form value the page refuses before anything reaches the graph; the message is a gettext id."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def yuan_to_fen(text: str) -> int:
    """"12.50" -> 1250, exactly (Decimal, never float); more than two decimals or negative refused."""
    text = text.strip().lstrip("¥￥").strip().replace(",", "")
    if not text:
        raise FieldError(REQUIRED)
    if text.startswith("-"):
        raise FieldError(AMOUNT_NEGATIVE if _YUAN.fullmatch(text[1:].strip()) else AMOUNT_FORMAT)
    if not _YUAN.fullmatch(text):
        raise FieldError(AMOUNT_FORMAT)
    amount = Decimal(text)
    if -amount.as_tuple().exponent > 2:
        raise FieldError(AMOUNT_DECIMALS)
    fen = int(amount * 100)  # exact: at most two decimals
    if fen > MAX_AMOUNT_FEN:
        raise FieldError(AMOUNT_TOO_LARGE)
    return fen


def optional_yuan_to_fen(text: str) -> int | None:
    """Like yuan_to_fen, but an empty field means "none" (e.g. no monthly cap)."""
    return yuan_to_fen(text) if text.strip() else None


def percent_to_bp(text: str) -> int:
    """"85.25" (or "85.25%") -> 8525 basis points, exactly; 0 to 100 with at most two decimals."""
    text = text.strip().rstrip("%").strip()
    if not text:
        raise FieldError(REQUIRED)
    if not _YUAN.fullmatch(text):
        raise FieldError(RATIO_FORMAT)
    percent = Decimal(text)
    if -percent.as_tuple().exponent > 2 or percent > 100:
        raise FieldError(RATIO_FORMAT)
    return int(percent * 100)


def bp_to_percent(bp: int) -> str:
    """8525 -> "85.25", for prefilling a form."""
    return f"{bp // 100}.{bp % 100:02d}"


def whole_quantity(text: str) -> int:
    text = text.strip()
    if not _WHOLE.fullmatch(text):
        raise FieldError(QUANTITY_INVALID)
    # Python refuses to convert more than 4300 digits (a ValueError, not our FieldError): count them first.
    digits = text.lstrip("0")
    if len(digits) > len(str(MAX_QUANTITY)):
        raise FieldError(QUANTITY_TOO_LARGE)
    quantity = int(digits or "0")
    if quantity < 1:
        raise FieldError(QUANTITY_INVALID)
    if quantity > MAX_QUANTITY:
        raise FieldError(QUANTITY_TOO_LARGE)
    return quantity
