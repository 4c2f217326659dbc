"""Keyset pages: a settlement that lands while a till pages through the day is never shown twice; the
settlements filter by China-time days."""

from datetime import date, datetime, timedelta

import pytest

from backend.clock import CHINA
from backend.domain.settlement import VisitType
from backend.principals import Actor, Channel
from backend.services.family_account import codes
from backend.services.money import settlement
from tests.helpers import actor_of, gql, household_principal
from tests.money import jinan_family, line

pytestmark = pytest.mark.serializable

PAGE = """query($first: Int!, $after: String, $from: Date, $to: Date, $sFrom: Date, $sTo: Date) { viewer {
  ... on Institution { settlements(first: $first, after: $after, serviceDateFrom: $from, serviceDateTo: $to,
                                   settledFrom: $sFrom, settledTo: $sTo) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { id billFen serviceDate createdAt } } } } } }"""
MINE = """query($first: Int!, $after: String) { viewer { ... on Person { settlements(first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { id } } } } } }"""


def _settle(rt, fam, fen: int, service_date: date | None = None) -> None:
    code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    day = service_date or rt.clock.now().astimezone(CHINA).date()
    settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL), settlement.SettleRequest(
        code=code, visit_type=VisitType.PHARMACY, service_date=day, lines=[line("NON_MEDICAL", fen)],
        idempotency_key=f"page-test-{fen}"))
    rt.clock.advance(minutes=1)


def _read_all(rt, principal, query, first=2, land=None):
    """Page through, calling `land()` after the first page (a settlement lands meanwhile)."""
    seen, after, pages = [], None, 0
    while True:
        page = gql(rt, principal, query, first=first, after=after).data["viewer"]["settlements"]
        seen += [e["node"]["id"] for e in page["edges"]]
        pages += 1
        if pages == 1 and land:
            land()
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


def test_a_settlement_landing_while_a_till_pages_is_never_shown_twice(rt):
    fam = jinan_family(rt)
    for fen in range(1_00, 6_00, 1_00):
        _settle(rt, fam, fen)
    before = _read_all(rt, fam.pharmacy, PAGE)
    assert len(before) == 5
    during = _read_all(rt, fam.pharmacy, PAGE, land=lambda: _settle(rt, fam, 9_00))
    assert during == before  # the new one is newest: it belongs before the first page, not in the next
    # The same for the person's own list, read on their phone.
    mine_before = _read_all(rt, household_principal(fam.father), MINE)
    mine = _read_all(rt, household_principal(fam.father), MINE, land=lambda: _settle(rt, fam, 9_50))
    assert mine == mine_before and len(mine) == 6


def test_a_cursor_of_another_kind_is_refused(rt):
    fam = jinan_family(rt)
    result = gql(rt, fam.pharmacy, PAGE, first=2, after="b2Zmc2V0OjE=")  # offset:1
    assert result.errors[0].extensions["code"] == "INVALID_INPUT"


def test_settlements_filter_by_china_time_days(rt):
    fam = jinan_family(rt)
    # 23:59 and 00:01 in Beijing: 15:59 and 16:01 UTC, on two China days but one UTC day.
    evening = datetime.fromisoformat("2026-03-02T15:59:00+00:00")
    rt.clock.advance(seconds=(evening - rt.clock.now()).total_seconds())
    _settle(rt, fam, 1_00, service_date=date(2026, 3, 1))
    rt.clock.advance(minutes=1)  # 16:01 UTC = 00:01 on 3 March in China
    _settle(rt, fam, 2_00)
    late = rt.clock.now()

    def bills(**filters):
        page = gql(rt, fam.pharmacy, PAGE, first=10, **filters).data["viewer"]["settlements"]
        return sorted(e["node"]["billFen"] for e in page["edges"]), page["totalCount"]

    assert bills(sFrom="2026-03-02", sTo="2026-03-02") == ([1_00], 1)
    assert bills(sFrom="2026-03-03") == ([2_00], 1)
    assert bills(sTo="2026-03-03") == ([1_00, 2_00], 2)
    assert bills(**{"from": "2026-03-01", "to": "2026-03-01"}) == ([1_00], 1)
    assert bills(**{"from": "2026-03-03"}) == ([2_00], 1)
    assert bills(sFrom="2026-03-04") == ([], 0)
    assert late - evening == timedelta(minutes=3)
