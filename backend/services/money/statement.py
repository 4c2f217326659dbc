"""Reads behind the yearly statement (`domain/statement.py`) and what a grant paid in a year.

Batched like the other DataLoader reads: keys are (person or grant id, year), one statement for the
lines of every key, whatever their number. Refunded lines are left out, and so are non-medical goods
(paid in cash outside the personal burden, R7): the statement is the personal burden as it stands settled.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlmodel import Session

from backend.clock import CHINA
from backend.domain.pools import OWN_ACCOUNT
from backend.domain.statement import PaidLine, RelativeAid, check_year, year_bounds
from backend.storage.models import Institution, Person, PremiumPayment, Settlement, SettlementLine, SettlementPayment

Key = tuple[uuid.UUID, int]


def valid_year(year: int, now: datetime) -> int:
    """`year` if a statement can cover it (it has begun in China); DomainError otherwise."""
    return check_year(year, now.astimezone(CHINA).date())


def _span(keys: Sequence[Key]):
    years = [year for _, year in keys]
    return year_bounds(min(years))[0], year_bounds(max(years))[1]


def paid_lines(s: Session, keys: Sequence[Key]) -> dict[Key, list[PaidLine]]:
    """Each person's settled, unrefunded lines in each year, with what every pool paid towards them."""
    first, after = _span(keys)
    payer = Person.__table__.alias("payer")
    rows = s.connection().execute(
        select(Settlement.subject_id, Settlement.service_date, Institution.id, Institution.name, SettlementLine.id,
               SettlementLine.cash_fen - SettlementLine.non_medical_fen, SettlementLine.overlmt_selfpay_fen,
               SettlementPayment.pool,
               SettlementPayment.payer_id, payer.c.name, SettlementPayment.amount_fen)
        .join(Settlement, Settlement.id == SettlementLine.settlement_id)
        .join(Institution, Institution.id == Settlement.institution_id)
        .outerjoin(SettlementPayment, SettlementPayment.line_join())
        .outerjoin(payer, payer.c.id == SettlementPayment.payer_id)
        .where(Settlement.subject_id.in_({person for person, _ in keys}), SettlementLine.refund_id.is_(None),
               Settlement.service_date >= first, Settlement.service_date < after)
        .order_by(Settlement.service_date, SettlementLine.id))
    lines: dict[uuid.UUID, dict] = {}
    for subject, day, place, place_name, line_id, cash, over, pool, payer_id, payer_name, amount in rows:
        line = lines.setdefault(line_id, {"subject": subject, "day": day, "place": place, "place_name": place_name,
                                          "cash": cash, "over": over, "own": 0, "aid": []})
        if pool == OWN_ACCOUNT:
            line["own"] += amount
        elif pool is not None:
            line["aid"].append(RelativeAid(payer_id, payer_name, amount))
    out: dict[Key, list[PaidLine]] = defaultdict(list)
    wanted = set(keys)
    for line in lines.values():
        key = (line["subject"], line["day"].year)
        if key in wanted:
            out[key].append(PaidLine(line["day"], line["place"], line["place_name"], line["own"], tuple(line["aid"]),
                                     line["cash"], line["over"]))
    return out


@dataclass(frozen=True)
class GrantYear:
    """What one grant paid in a year: towards the grantee's settled bills, and premiums. Totals only."""

    medical_fen: int = 0
    premium_fen: int = 0


def grant_paid_in(s: Session, keys: Sequence[Key]) -> dict[Key, GrantYear]:
    first, after = _span(keys)
    grant_ids = {grant for grant, _ in keys}
    connection = s.connection()
    medical = connection.execute(
        select(SettlementPayment.grant_id, Settlement.service_date, SettlementPayment.amount_fen)
        .join(SettlementLine, and_(SettlementPayment.line_join(), SettlementLine.refund_id.is_(None)))
        .join(Settlement, Settlement.id == SettlementLine.settlement_id)
        .where(SettlementPayment.grant_id.in_(grant_ids), Settlement.service_date >= first,
               Settlement.service_date < after))
    premiums = connection.execute(
        select(PremiumPayment.grant_id, PremiumPayment.year, PremiumPayment.amount_fen)
        .where(PremiumPayment.grant_id.in_(grant_ids), PremiumPayment.year >= first.year,
               PremiumPayment.year < after.year))
    sums: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for grant, day, amount in medical:
        sums[grant, day.year][0] += amount
    for grant, year, amount in premiums:
        sums[grant, year][1] += amount
    return {key: GrantYear(*sums[key]) for key in keys}
