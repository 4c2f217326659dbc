"""Server-rendered SVG charts, without a client chart library: the geometry is computed here, the
markup is a template (`console/_split_chart.html`), so labels go through the catalog like any text.

Widths are whole viewBox units shared out by largest remainder (`backend.domain.money.allocate`),
so a bar's segments always fill it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backend.domain.money import allocate

LABEL_WIDTH = 120  # room for a row's name left of its bar
BAR_WIDTH = 480
ROW_HEIGHT = 44
BAR_HEIGHT = 28


@dataclass(frozen=True)
class Segment:
    key: str  # also its CSS class, which gives the colour
    x: int
    width: int
    value: int


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    total: int
    segments: tuple[Segment, ...]  # empty when the total is zero


@dataclass(frozen=True)
class StackedBars:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def stacked_shares(rows: Sequence[tuple[str, Sequence[tuple[str, int]]]]) -> StackedBars:
    """One full-width bar per row, split by each part's share of the row's total (parts are >= 0)."""
    bars = []
    for i, (label, parts) in enumerate(rows):
        values = [value for _, value in parts]
        total = sum(values)
        widths = allocate(BAR_WIDTH, values) if total else [0] * len(values)
        x, segments = LABEL_WIDTH, []
        for (key, value), width in zip(parts, widths, strict=True):
            if width:
                segments.append(Segment(key, x, width, value))
            x += width
        bars.append(Bar(label, i * ROW_HEIGHT, total, tuple(segments)))
    return StackedBars(tuple(bars), LABEL_WIDTH + BAR_WIDTH, len(rows) * ROW_HEIGHT)
