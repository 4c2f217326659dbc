"""Settle, refund, reverse: one module each."""

import strawberry

from backend.graph.settlement.mutations.refund_settlement import RefundSettlementMutation
from backend.graph.settlement.mutations.reverse_settlement import ReverseSettlementMutation
from backend.graph.settlement.mutations.settle import SettleMutation


@strawberry.type
class SettlementMutation(SettleMutation, RefundSettlementMutation, ReverseSettlementMutation):
    pass
