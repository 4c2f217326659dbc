"""The dashboard's figures."""

from __future__ import annotations

import datetime
from dataclasses import asdict

import strawberry

from backend.graph.core.scalars import Fen
from backend.services.admin import dashboard


@strawberry.type(description="Settlements made in a period and who paid their bills: "
                             "fundFen + ownAccountsFen + mutualAidFen + cashFen = billFen.")
class SettlementSplit:
    count: int
    bill_fen: Fen
    fund_fen: Fen = strawberry.field(description="Paid by the pooled fund (统筹基金).")
    own_accounts_fen: Fen = strawberry.field(description="Paid from the patients' own personal accounts.")
    mutual_aid_fen: Fen = strawberry.field(description="Paid by relatives' personal accounts through grants (共济).")
    cash_fen: Fen = strawberry.field(description="Paid in cash at the counter, non-medical goods included.")
    refunded_fen: Fen = strawberry.field(description="Refunds and reversals made in the period, whenever the "
                                                     "settlement was; not deducted from the figures above.")

    @classmethod
    def of(cls, split: dashboard.Split) -> SettlementSplit:
        return cls(**asdict(split))


@strawberry.type(description="Staff: what the service is doing now. Days and months are China time.")
class Dashboard:
    as_of: datetime.datetime
    today: SettlementSplit
    this_month: SettlementSplit
    active_grants: int = strawberry.field(description="Mutual-aid grants not revoked (suspended ones included).")
    active_bindings: int = strawberry.field(description="Family-account bindings in force.")
    pending_claims: int = strawberry.field(description="Claimed relationships waiting for a clerk.")

    @classmethod
    def of(cls, figures: dashboard.Figures) -> Dashboard:
        return cls(as_of=figures.as_of, today=SettlementSplit.of(figures.today),
                   this_month=SettlementSplit.of(figures.this_month), active_grants=figures.active_grants,
                   active_bindings=figures.active_bindings, pending_claims=figures.pending_claims)
