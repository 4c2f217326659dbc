"""Properties of the settle input at its edges: any bill either settles to the fen or is refused with a
DomainError, and a refused one writes nothing.

Amounts and quantities run through 0, 1, the documented limits (MAX_* in backend/domain/settlement.py),
2^31 and beyond; service dates through year ends, the day in China against the day in UTC, and the future.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from backend.clock import CHINA
from backend.domain.catalogue import CatalogueItem, ItemClass, ItemKind
from backend.domain.errors import DomainError
from backend.domain.settlement import (
    MAX_BILL_FEN,
    MAX_ITEM_CODE_LENGTH,
    MAX_ITEM_NAME_LENGTH,
    MAX_LINE_FEN,
    MAX_LINES,
    MAX_QUANTITY,
    BillLine,
    Category,
    Pool,
    VisitType,
    YearToDate,
    split_bill,
)
from backend.principals import Actor, Channel
from backend.services.family_account import codes
from backend.services.money import settlement
from backend.storage.models import Settlement
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.target import table_digest
from tests.helpers import actor_of, count
from tests.money import SAMPLES, assert_ledger_balanced, assert_split_adds_up, jinan_family

EDGE_FEN = (0, 1, 99, 100, MAX_LINE_FEN - 1, MAX_LINE_FEN, MAX_LINE_FEN + 1, MAX_BILL_FEN // 2, 2**31 - 1, 2**31,
            2**53 - 1, -1)
EDGE_QUANTITY = (0, 1, 2, MAX_QUANTITY, MAX_QUANTITY + 1, 2**31 - 1, 2**31, -1)
fen = st.one_of(st.sampled_from(EDGE_FEN), st.integers(0, 10_000_00), st.integers(-(2**63), 2**63))
quantity = st.one_of(st.sampled_from(EDGE_QUANTITY), st.integers(1, 100), st.integers(-(2**31), 2**40))
text = st.one_of(st.sampled_from(["86900001", "阿莫西林胶囊", "x" * MAX_ITEM_CODE_LENGTH, "药" * MAX_ITEM_NAME_LENGTH,
                                  "x" * (MAX_ITEM_CODE_LENGTH + 1), "", " ", "a\x00b", "\u200b"]),
                 st.text(max_size=120))
lines = st.lists(st.builds(BillLine, text, text, st.sampled_from(Category), fen, quantity), max_size=8) | \
    st.builds(lambda n, price: [BillLine(f"{i}", "item", Category.A, price, 1) for i in range(n)],
              st.sampled_from([MAX_LINES, MAX_LINES + 1]), st.sampled_from([1, MAX_BILL_FEN // MAX_LINES]))
pools = st.lists(st.builds(Pool, st.sampled_from(["own", "grant:a", "grant:b"]), fen), max_size=3,
                 unique_by=lambda p: p.key)
JINAN = SAMPLES["SAMPLE Jinan 2026"]


# Catalogue entries behind the item codes (R18): any class, own B share and price cap, or none (unmapped).
entries = st.builds(lambda cls, share, cap: CatalogueItem(uuid.uuid4(), "XN0001", "item", ItemKind.DRUG, ItemClass(cls),
                                                          share if cls == "B" else None, cap),
                    st.sampled_from("ABC"), st.none() | st.integers(0, 10_000), st.none() | fen.map(abs))


@fuzz_settings(400)
@given(lines=lines, pools=pools, insurance=st.sampled_from(["employee", "resident"]), visit=st.sampled_from(VisitType),
       level=st.sampled_from([0, 1, 2, 3, 4, -1]), ytd=st.builds(YearToDate, fen.map(abs), fen.map(abs)),
       data=st.data())
def test_any_bill_splits_to_the_fen_or_is_refused_with_a_domain_error(lines, pools, insurance, visit, level, ytd, data):
    catalogue = {ln.item_code: entry for ln in lines if (entry := data.draw(st.none() | entries)) is not None}
    try:
        split = split_bill(lines, JINAN, catalogue=catalogue, insurance_type=insurance, visit_type=visit, level=level,
                           ytd=ytd, pools=pools)
    except DomainError:
        return
    assert 1 <= len(lines) <= MAX_LINES and split.bill_fen <= MAX_BILL_FEN
    assert all(0 < ln.amount_fen <= MAX_LINE_FEN and 0 < ln.quantity <= MAX_QUANTITY for ln in lines)
    assert_split_adds_up(split, lines, pools, JINAN, insurance, ytd)


# China's midnight is 16:00 UTC the day before: around it, "today" differs between the two.
NOWS = (datetime(2026, 3, 2, 9, 30, tzinfo=UTC), datetime(2026, 12, 31, 15, 59, tzinfo=UTC),
        datetime(2026, 12, 31, 16, 0, tzinfo=UTC), datetime(2027, 1, 1, 3, 0, tzinfo=UTC),
        datetime(2025, 12, 31, 16, 30, tzinfo=UTC))


def service_dates(now: datetime) -> st.SearchStrategy[tuple[datetime, date]]:
    today = now.astimezone(CHINA).date()
    return st.tuples(st.just(now), st.one_of(
        st.sampled_from([today, today - timedelta(days=1), today + timedelta(days=1), now.date(),
                         date(today.year - 1, 12, 31), date(today.year, 1, 1), date(today.year + 1, 1, 1),
                         date(9999, 12, 31), date(1, 1, 1)]),
        st.dates()))


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_settlement_either_balances_or_writes_nothing(rt, clock):
    fam = jinan_family(rt)
    partner = Actor(fam.hospital, Channel.GRAPHQL)
    keys = iter(range(10**6))

    @fuzz_settings(40)
    @given(when=st.sampled_from(NOWS).flatmap(service_dates), bill=lines)
    @example(when=(NOWS[0], NOWS[0].date()), bill=[BillLine("86900001", "阿莫西林胶囊", Category.B, 35_00, 2)])
    @example(when=(NOWS[2], date(2027, 1, 1)), bill=[BillLine("86900001", "阿莫西林胶囊", Category.A, MAX_LINE_FEN, 1)])
    def run(when, bill):
        now, service_date = when
        clock.advance(seconds=(now - clock.now()).total_seconds())
        code = codes.issue_code(rt, actor_of(fam.mother), fam.mother.id).text
        before = table_digest(rt)
        request = settlement.SettleRequest(code=code, visit_type=VisitType.INPATIENT, service_date=service_date,
                                           lines=bill, idempotency_key=f"settle-input-{next(keys):08d}")
        try:
            settlement.settle(rt, partner, request)
        except DomainError:
            assert table_digest(rt) == before
            return
        assert service_date <= now.astimezone(CHINA).date()
        assert_ledger_balanced(rt)

    run()
    assert count(rt, Settlement) > 0  # some bills got through: the property was not only about refusals
