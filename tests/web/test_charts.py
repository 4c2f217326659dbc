"""The dashboard chart's geometry: segments fill each bar exactly, in proportion, in order."""

from hypothesis import given
from hypothesis import strategies as st

from web.charts import BAR_WIDTH, LABEL_WIDTH, ROW_HEIGHT, stacked_shares


def test_shares_of_a_bar():
    chart = stacked_shares([("today", [("fund", 300), ("own", 100), ("aid", 0), ("cash", 100)]),
                            ("thisMonth", [("fund", 0), ("own", 0), ("aid", 0), ("cash", 0)])])
    today, month = chart.bars
    assert [(s.key, s.x, s.width) for s in today.segments] == [
        ("fund", LABEL_WIDTH, 288), ("own", LABEL_WIDTH + 288, 96), ("cash", LABEL_WIDTH + 384, 96)]
    assert month.segments == () and month.total == 0 and month.y == ROW_HEIGHT
    assert (chart.width, chart.height) == (LABEL_WIDTH + BAR_WIDTH, 2 * ROW_HEIGHT)


@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=6))
def test_segments_tile_the_bar(values):
    (bar,) = stacked_shares([("x", [(str(i), v) for i, v in enumerate(values)])]).bars
    if sum(values) == 0:
        assert bar.segments == ()
        return
    assert sum(s.width for s in bar.segments) == BAR_WIDTH
    assert all(a.x + a.width == b.x for a, b in zip(bar.segments, bar.segments[1:], strict=False))
    assert bar.segments[0].x == LABEL_WIDTH and all(s.value > 0 for s in bar.segments)
