"""What the service is doing, at a glance, for the staff console's home: figures, no personal data.

Settlements count from their creation time, in China's day and month. Their amounts are as settled
(gross); refunds and reversals made in the same period are a figure of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, func, select
from sqlmodel import Session

from backend.clock import CHINA
from backend.domain.bindings import BindingStatus
from backend.domain.grants import GrantStatus
from backend.domain.pools import OWN_ACCOUNT
from backend.domain.relationships import RelationshipStatus
from backend.storage.models import Binding, Grant, Refund, Relationship, Settlement, SettlementLine, SettlementPayment


@dataclass(frozen=True)
class Split:
    """A period's settlements, and who paid their bills: fund + own accounts + mutual aid + cash = bill."""

    count: int = 0
    bill_fen: int = 0
    fund_fen: int = 0
    own_accounts_fen: int = 0
    mutual_aid_fen: int = 0
    cash_fen: int = 0
    refunded_fen: int = 0  # refunds and reversals made in the period, whenever their settlement was


@dataclass(frozen=True)
class Figures:
    as_of: datetime
    today: Split
    this_month: Split
    active_grants: int
    active_bindings: int
    pending_claims: int


def period_starts(now: datetime) -> tuple[datetime, datetime]:
    """The start of today and of this month in China, as UTC instants."""
    local = now.astimezone(CHINA)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day.astimezone(UTC), day.replace(day=1).astimezone(UTC)


def _by_period(column, at, day_start):
    return (func.coalesce(func.sum(case((at >= day_start, column), else_=0)), 0),
            func.coalesce(func.sum(column), 0))


def figures(s: Session, now: datetime) -> Figures:
    """Three statements, whatever the volume: settlements, their pool payments, refunds with live counts."""
    day_start, month_start = period_starts(now)
    conn = s.connection()
    at = Settlement.created_at
    settled = conn.execute(select(
        *_by_period(1, at, day_start), *_by_period(Settlement.bill_fen, at, day_start),
        *_by_period(Settlement.fund_fen, at, day_start), *_by_period(Settlement.cash_fen, at, day_start),
    ).where(at >= month_start, at <= now)).one()
    own = SettlementPayment.pool == OWN_ACCOUNT  # any other pool is a grant
    paid = conn.execute(select(
        *_by_period(case((own, SettlementPayment.amount_fen), else_=0), at, day_start),
        *_by_period(case((own, 0), else_=SettlementPayment.amount_fen), at, day_start),
    ).select_from(SettlementPayment)
        .join(SettlementLine, SettlementPayment.line_join())
        .join(Settlement, Settlement.id == SettlementLine.settlement_id)
        .where(at >= month_start, at <= now)).one()
    refunds = select(*_by_period(Refund.amount_fen, Refund.created_at, day_start)) \
        .where(Refund.created_at >= month_start, Refund.created_at <= now).subquery()
    live = conn.execute(select(
        refunds.c[0], refunds.c[1],
        select(func.count()).select_from(Grant).where(Grant.status == GrantStatus.ACTIVE.value).scalar_subquery(),
        select(func.count()).select_from(Binding).where(Binding.status == BindingStatus.ACTIVE.value)
        .scalar_subquery(),
        select(func.count()).select_from(Relationship)
        .where(Relationship.status == RelationshipStatus.CLAIMED.value).scalar_subquery(),
    )).one()

    def split(i: int) -> Split:  # i = 0: today, 1: this month
        return Split(count=int(settled[i]), bill_fen=int(settled[2 + i]), fund_fen=int(settled[4 + i]),
                     cash_fen=int(settled[6 + i]), own_accounts_fen=int(paid[i]), mutual_aid_fen=int(paid[2 + i]),
                     refunded_fen=int(live[i]))

    return Figures(as_of=now, today=split(0), this_month=split(1), active_grants=int(live[2]),
                   active_bindings=int(live[3]), pending_claims=int(live[4]))
