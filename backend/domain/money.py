"""Money arithmetic in integer fen: ratio splits and largest-remainder allocation."""

from __future__ import annotations

from collections.abc import Sequence

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
