"""What the mutual-aid package reads: grants by id and as each person gives or receives them, what each
grant paid, each grant as it stands now and what it paid in a year, saved payer orders; how the viewer's
rows prime them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func
from sqlmodel import Session, select

from backend.graph.core.loaders import Batched, by_id
from backend.services.money import grants, statement
from backend.storage.models import (
    Grant,
    Institution,
    PremiumPayment,
    SavedPayerOrder,
    Settlement,
    SettlementLine,
    SettlementPayment,
)


def saved_orders(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SavedPayerOrder]:
    rows = s.exec(select(SavedPayerOrder).where(SavedPayerOrder.person_id.in_(person_ids))).all()
    return {row.person_id: row for row in rows}


def grants_given(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Grant]]:
    rows = s.exec(select(Grant).where(Grant.grantor_id.in_(person_ids)).order_by(Grant.created_at, Grant.id)).all()
    out: dict[uuid.UUID, list[Grant]] = defaultdict(list)
    for row in rows:
        out[row.grantor_id].append(row)
    return out


def grants_received(s: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Grant]]:
    rows = s.exec(select(Grant).where(Grant.grantee_id.in_(person_ids)).order_by(Grant.created_at, Grant.id)).all()
    out: dict[uuid.UUID, list[Grant]] = defaultdict(list)
    for row in rows:
        out[row.grantee_id].append(row)
    return out


@dataclass(frozen=True)
class GrantPayment:
    """One payment a grant made: what a grantor sees of a grantee's spending (no medical lines)."""

    at: datetime
    amount_fen: int
    kind: str  # medical / premium
    institution_name: str | None
    refunded_fen: int
    source_id: uuid.UUID | None = None  # the settlement's or the premium payment's id: its place in the feed


def grant_usage(s: Session, grant_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[GrantPayment]]:
    medical = s.exec(
        select(SettlementPayment.grant_id, Settlement.id, Settlement.created_at, Institution.name,
               func.sum(SettlementPayment.amount_fen),
               func.sum(case((SettlementLine.refund_id.is_not(None), SettlementPayment.amount_fen), else_=0)))
        .join(SettlementLine, SettlementPayment.line_join())
        .join(Settlement, Settlement.id == SettlementLine.settlement_id)
        .join(Institution, Institution.id == Settlement.institution_id)
        .where(SettlementPayment.grant_id.in_(grant_ids))
        .group_by(SettlementPayment.grant_id, Settlement.id, Settlement.created_at, Institution.name)).all()
    premiums = s.exec(select(PremiumPayment).where(PremiumPayment.grant_id.in_(grant_ids))).all()
    out: dict[uuid.UUID, list[GrantPayment]] = defaultdict(list)
    for grant_id, _sid, at, name, amount, refunded in medical:
        out[grant_id].append(GrantPayment(at, int(amount), "medical", name, int(refunded), _sid))
    for p in premiums:
        out[p.grant_id].append(GrantPayment(p.created_at, p.amount_fen, "premium", None, 0, p.id))
    for uses in out.values():
        uses.sort(key=lambda u: u.at, reverse=True)
    return out


LOADERS = {
    "grant": Batched(by_id(Grant)),
    "grants_given": Batched(grants_given, default=list),
    "grants_received": Batched(grants_received, default=list),
    "grant_usage": Batched(grant_usage, default=list),
    "saved_order": Batched(saved_orders),
    "grant_view": Batched(grants.grant_views, now=True),
    # Keyed by (grant id, year).
    "grant_paid_in": Batched(statement.grant_paid_in, default=statement.GrantYear),
}


def prime(loaders, rows) -> None:
    me = rows.person.id
    loaders.grants_given.prime(me, [g for g in rows.grants if g.grantor_id == me])
    loaders.grants_received.prime(me, [g for g in rows.grants if g.grantee_id == me])
    for grant in rows.grants:
        loaders.grant.prime(grant.id, grant)
    loaders.saved_order.prime(me, rows.payer_order)
    for subject, payer in rows.held_payers.items():  # what a code shown for them is paid from
        loaders.account.prime(subject, payer.account)
        loaders.saved_order.prime(subject, payer.payer_order)
        loaders.grants_received.prime(subject, payer.grants_received)
        for grant in payer.grants_received:
            loaders.grant.prime(grant.id, grant)
