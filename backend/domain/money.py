"""Money arithmetic in integer fen: ratio splits and largest-remainder allocation."""

from __future__ import annotations

import re
from collections.abc import Sequence

from backend.domain.errors import N_

BP = 10_000  # basis points in one


def fund_side(base_fen: int, ratio_bp: int) -> int:
    """The fund's side of a ratio split, rounded down (R7); the person's side is base - this."""
    if base_fen < 0 or not 0 <= ratio_bp <= BP:
        raise ValueError("base must be >= 0 and the ratio within 0..10000 bp")
    return base_fen * ratio_bp // BP


def allocate(total_fen: int, weights: Sequence[int]) -> list[int]:
    """Split `total_fen` over `weights` in proportion, by the largest-remainder method.

    The parts add up to the total exactly; no part exceeds its weight when total <= sum(weights);
    ties go to the earlier line, so the result is deterministic.
    """
    if total_fen < 0 or any(w < 0 for w in weights):
        raise ValueError("allocation needs non-negative amounts")
    weight_sum = sum(weights)
    if total_fen == 0:
        return [0] * len(weights)
    if weight_sum == 0:
        raise ValueError("cannot allocate a non-zero total over zero weights")
    floors = [total_fen * w // weight_sum for w in weights]
    remainders = [total_fen * w % weight_sum for w in weights]
    short = total_fen - sum(floors)
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:short]:
        floors[i] += 1
    return floors


def yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals: 325680 -> 3,256.80."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


REQUIRED = N_("Required.")
AMOUNT_FORMAT = N_("Enter an amount in yuan, for example 12.50.")
AMOUNT_NEGATIVE = N_("The amount cannot be negative.")
AMOUNT_DECIMALS = N_("An amount in yuan has at most two decimal places.")
AMOUNT_TOO_LARGE = N_("The amount is too large.")

MAX_AMOUNT_FEN = 1_000_000_000  # ten million yuan: a typo, and beyond what a GraphQL Int carries safely
_YUAN = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


class AmountError(ValueError):
    """An amount in yuan that cannot be taken; `message` is a gettext id."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_yuan(text: str) -> int:
    """"12.50" -> 1250, exactly (integer arithmetic, never float); more than two decimals or negative refused."""
    text = text.strip().lstrip("¥￥").strip().replace(",", "")
    if not text:
        raise AmountError(REQUIRED)
    if text.startswith("-"):
        raise AmountError(AMOUNT_NEGATIVE if _YUAN.fullmatch(text[1:].strip()) else AMOUNT_FORMAT)
    if not _YUAN.fullmatch(text):
        raise AmountError(AMOUNT_FORMAT)
    whole, _, decimals = text.partition(".")
    if len(decimals) > 2:
        raise AmountError(AMOUNT_DECIMALS)
    if len(whole.lstrip("0")) > len(str(MAX_AMOUNT_FEN // 100)):  # before int(): Python refuses 4300+ digits
        raise AmountError(AMOUNT_TOO_LARGE)
    # Exact, from the digits themselves: no float and no Decimal needed for at most two decimals.
    fen = int(whole or "0") * 100 + int(decimals.ljust(2, "0"))
    if fen > MAX_AMOUNT_FEN:
        raise AmountError(AMOUNT_TOO_LARGE)
    return fen
