"""Reading form values people type: money in yuan to integer fen and percentages to basis points exactly,
whole quantities."""

from __future__ import annotations

import re

from backend.domain.errors import N_
from backend.domain.money import (  # noqa: F401  (pages and tests name these here)
    AMOUNT_DECIMALS,
    AMOUNT_FORMAT,
    AMOUNT_NEGATIVE,
    AMOUNT_TOO_LARGE,
    MAX_AMOUNT_FEN,
    REQUIRED,
    AmountError,
    parse_yuan,
)

RATIO_FORMAT = N_("A ratio is a percentage from 0 to 100 with at most two decimal places.")
QUANTITY_INVALID = N_("The quantity is a whole number, 1 or more.")
QUANTITY_TOO_LARGE = N_("The quantity is too large.")

MAX_QUANTITY = 100_000
_WHOLE = re.compile(r"[0-9]+")


class FieldError(ValueError):
    """A form value the page refuses before anything reaches the graph; the message is a gettext id."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def yuan_to_fen(text: str) -> int:
    """"12.50" -> 1250, exactly (never float); more than two decimals or negative refused."""
    try:
        return parse_yuan(text)
    except AmountError as refused:
        raise FieldError(refused.message) from None


def optional_yuan_to_fen(text: str) -> int | None:
    """Like yuan_to_fen, but an empty field means "none" (e.g. no monthly cap)."""
    return yuan_to_fen(text) if text.strip() else None


def percent_to_bp(text: str) -> int:
    """"85.25" (or "85.25%") -> 8525 basis points, exactly; 0 to 100 with at most two decimals."""
    text = text.strip().rstrip("%").strip()
    if not text:
        raise FieldError(REQUIRED)
    if any(sign in text for sign in "¥￥,"):
        raise FieldError(RATIO_FORMAT)
    try:
        bp = parse_yuan(text)  # the same exact two-decimal reading: "85.25" -> 8525
    except AmountError:
        raise FieldError(RATIO_FORMAT) from None
    if bp > 10_000:
        raise FieldError(RATIO_FORMAT)
    return bp


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
