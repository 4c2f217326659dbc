"""The dashboard chart's geometry: every bar on one scale (the largest total fills the bar width), segments
fill their bar exactly, in proportion, in order, and an amount is printed where it fits."""

from hypothesis import given
from hypothesis import strategies as st

from web.charts import AMOUNT_CHAR_WIDTH, BAR_WIDTH, LABEL_WIDTH, ROW_HEIGHT, TOTAL_ROOM, amount_text, stacked_bars


def test_today_and_the_month_share_one_scale():
    chart = stacked_bars([("today", [("fund", 300_00), ("own", 100_00), ("aid", 0), ("cash", 100_00)]),
                          ("thisMonth", [("fund", 1200_00), ("own", 400_00), ("aid", 200_00), ("cash", 200_00)])])
    today, month = chart.bars
    assert (today.length, month.length) == (BAR_WIDTH // 4, BAR_WIDTH)  # ¥500 is a quarter of ¥2,000
    assert [(s.key, s.x, s.width) for s in today.segments] == [
        ("fund", LABEL_WIDTH, 72), ("own", LABEL_WIDTH + 72, 24), ("cash", LABEL_WIDTH + 96, 24)]
    assert [s.width for s in month.segments] == [288, 96, 48, 48]  # the same fen, the same width, in both bars
    assert (today.y, month.y) == (0, ROW_HEIGHT)
    assert (chart.width, chart.height) == (LABEL_WIDTH + BAR_WIDTH + TOTAL_ROOM, 2 * ROW_HEIGHT)


def test_amounts_are_printed_where_they_fit():
    today, month = stacked_bars([("today", [("fund", 9_00), ("cash", 1_00)]),
                                 ("thisMonth", [("fund", 1_000_000_00), ("cash", 10_000_00)])]).bars
    assert amount_text(1_000_000_00) == "¥1,000,000.00"
    fund, cash = month.segments
    assert fund.shows_amount and fund.width >= len(amount_text(fund.value)) * AMOUNT_CHAR_WIDTH
    assert not cash.shows_amount  # 5 units wide: its amount is in the table below the chart
    assert today.length == 1 and not today.segments[0].shows_amount  # a day with bills never looks empty


def test_no_settlements_draw_no_bar():
    (bar,) = stacked_bars([("today", [("fund", 0), ("cash", 0)])]).bars
    assert bar.segments == () and bar.total == 0 and bar.length == 0


@given(st.lists(st.lists(st.integers(0, 10**12), min_size=1, max_size=5), min_size=1, max_size=3))
def test_segments_tile_each_bar_and_the_largest_fills_the_width(rows):
    chart = stacked_bars([(f"row{i}", [(str(j), v) for j, v in enumerate(values)]) for i, values in enumerate(rows)])
    largest = max(sum(values) for values in rows)
    for values, bar in zip(rows, chart.bars, strict=True):
        if sum(values) == 0:
            assert bar.segments == () and bar.length == 0
            continue
        assert bar.length == (BAR_WIDTH if sum(values) == largest else bar.length)
        assert 1 <= bar.length <= BAR_WIDTH
        assert abs(bar.length - sum(values) * BAR_WIDTH / largest) <= 1
        assert sum(s.width for s in bar.segments) == bar.length
        assert all(a.x + a.width == b.x for a, b in zip(bar.segments, bar.segments[1:], strict=False))
        assert bar.segments[0].x == LABEL_WIDTH and all(s.value > 0 for s in bar.segments)
