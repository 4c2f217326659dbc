"""Server-rendered SVG charts, without a client chart library: the geometry is computed here, the
markup is a template (`console/_split_chart.html`), so labels go through the catalog like any text.

Every bar is drawn on one scale: the largest total fills `BAR_WIDTH` and the others are as long as their
share of it, so today's bar can be read against the month's. Lengths and widths are whole viewBox units;
a bar's length is shared out among its parts by largest remainder (`backend.domain.money.allocate`), so
its segments always fill it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backend.domain.money import allocate, yuan

LABEL_WIDTH = 120  # room for a row's name left of its bar
BAR_WIDTH = 480  # the longest bar
TOTAL_ROOM = 150  # room right of the longest bar for its printed total
ROW_HEIGHT = 64  # a bar and, below it, the amounts of the parts wide enough to hold theirs
BAR_HEIGHT = 28
# Viewbox units per character of an amount at the chart's amount size (app.css: svg.chart .chart-amount),
# a little more than a digit's advance, so an amount judged to fit does.
AMOUNT_CHAR_WIDTH = 9


def amount_text(fen: int) -> str:
    return f"¥{yuan(fen)}"


@dataclass(frozen=True)
class Segment:
    key: str  # also its CSS class, which gives the colour
    x: int
    width: int
    value: int
    shows_amount: bool  # wide enough to print its amount under it; every amount is also in the table


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    total: int
    length: int  # 0 only when the total is zero
    segments: tuple[Segment, ...]  # empty when the total is zero


@dataclass(frozen=True)
class StackedBars:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def _length(total: int, largest: int) -> int:
    """A total's bar length on the scale where `largest` fills BAR_WIDTH, rounded half up; never 0 for bills."""
    if not total:
        return 0
    return max(1, (2 * total * BAR_WIDTH + largest) // (2 * largest))


def stacked_bars(rows: Sequence[tuple[str, Sequence[tuple[str, int]]]]) -> StackedBars:
    """One bar per row on a common scale, split into its parts (each >= 0) in the order given."""
    largest = max((sum(value for _, value in parts) for _, parts in rows), default=0)
    bars = []
    for i, (label, parts) in enumerate(rows):
        values = [value for _, value in parts]
        total = sum(values)
        length = _length(total, largest)
        widths = allocate(length, values) if total else [0] * len(values)
        x, segments = LABEL_WIDTH, []
        for (key, value), width in zip(parts, widths, strict=True):
            if width:
                fits = width >= len(amount_text(value)) * AMOUNT_CHAR_WIDTH
                segments.append(Segment(key, x, width, value, fits))
            x += width
        bars.append(Bar(label, i * ROW_HEIGHT, total, length, tuple(segments)))
    return StackedBars(tuple(bars), LABEL_WIDTH + BAR_WIDTH + TOTAL_ROOM, len(rows) * ROW_HEIGHT)
