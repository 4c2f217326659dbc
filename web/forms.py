"""Reading form values people type: money in yuan, to integer fen exactly."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from backend.domain.errors import N_

YUAN_INVALID = N_("Enter an amount in yuan, such as 12.50.")


def parse_yuan(text: str) -> int | None:
    """'12.5' -> 1250 fen; '' -> None; ValueError for anything else (negative, over two decimals)."""
    text = text.strip().replace(",", "").removeprefix("¥")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(YUAN_INVALID) from None
    fen = amount * 100
    if not amount.is_finite() or amount < 0 or fen != fen.to_integral_value() or fen > 10**12:
        raise ValueError(YUAN_INVALID)
    return int(fen)
