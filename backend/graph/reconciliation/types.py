"""What reconciliation answers: both sides' totals and their difference (3201), one result per settlement
and the result file (3202), or the detail file's problems by row and column."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated, Union

import strawberry
from strawberry.types import Info

from backend.domain.reconciliation import DetailOutcome, DetailResult, Figures, Side, TotalsResult
from backend.domain.roster import RowError
from backend.graph.core.enums import InsuranceTypeEnum, VisitTypeEnum
from backend.graph.core.errors import ErrorCodeEnum, OperationError
from backend.graph.core.ids import to_global_id
from backend.graph.core.scalars import Fen
from backend.i18n import gettext


@strawberry.enum(description="A settlement's result (the national platform's stmt_rslt).")
class ReconcileOutcome(Enum):
    BALANCED = "balanced"          # 0
    ONLY_SERVICE = "only_service"  # 1: the service has it, the partner does not
    ONLY_PARTNER = "only_partner"  # 2: the partner has it, the service does not
    DIFFERENT = "different"        # 3: both have it, amounts or refunded flag differ


OUTCOMES = {DetailOutcome.BALANCED: ReconcileOutcome.BALANCED, DetailOutcome.ONLY_OURS: ReconcileOutcome.ONLY_SERVICE,
            DetailOutcome.ONLY_THEIRS: ReconcileOutcome.ONLY_PARTNER, DetailOutcome.DIFFERENT: ReconcileOutcome.DIFFERENT}


@strawberry.type(description="One side's totals: settlements (and, with refunds, refund records), bills, fund, "
                             "personal accounts (own account and mutual aid).")
class ReconcileFigures:
    figures: strawberry.Private[Figures]

    @strawberry.field
    def count(self) -> int:
        return self.figures.count

    @strawberry.field
    def bill_fen(self) -> Fen:
        return self.figures.bill_fen

    @strawberry.field
    def fund_fen(self) -> Fen:
        return self.figures.fund_fen

    @strawberry.field
    def account_fen(self) -> Fen:
        return self.figures.account_fen


@strawberry.type(description="A totals reconciliation (3201): balanced when every figure agrees.")
class ReconcileTotals:
    result: strawberry.Private[TotalsResult]
    first: datetime.date
    last: datetime.date
    insurance_type: InsuranceTypeEnum
    visit_type: VisitTypeEnum = strawberry.field(description="The clearing type: OUTPATIENT 11, INPATIENT 21, "
                                                             "PHARMACY 41.")
    include_refunds: bool

    @strawberry.field
    def balanced(self) -> bool:
        return self.result.balanced

    @strawberry.field(description="The service's figures.")
    def service(self) -> ReconcileFigures:
        return ReconcileFigures(figures=self.result.ours)

    @strawberry.field(description="The figures the partner gave.")
    def partner(self) -> ReconcileFigures:
        return ReconcileFigures(figures=self.result.theirs)

    @strawberry.field(description="The partner's figures less the service's.")
    def difference(self) -> ReconcileFigures:
        return ReconcileFigures(figures=self.result.difference)


@strawberry.type(description="One side's amounts of a settlement.")
class ReconcileAmounts:
    side: strawberry.Private[Side]

    @strawberry.field
    def bill_fen(self) -> Fen:
        return self.side.bill_fen

    @strawberry.field
    def fund_fen(self) -> Fen:
        return self.side.fund_fen

    @strawberry.field
    def account_fen(self) -> Fen:
        return self.side.account_fen

    @strawberry.field
    def refunded(self) -> bool:
        return self.side.refunded


@strawberry.type(description="One settlement's result (a row of 3202's result file).")
class ReconcileDetail:
    result: strawberry.Private[DetailResult]

    @strawberry.field(description="The Settlement's id.")
    def settlement_id(self) -> strawberry.ID:
        return to_global_id("Settlement", self.result.settlement_id)

    @strawberry.field
    def outcome(self) -> ReconcileOutcome:
        return OUTCOMES[self.result.outcome]

    @strawberry.field(description="0 balanced, 1 only the service has it, 2 only the partner, 3 both and they "
                                  "differ (stmt_rslt).")
    def code(self) -> int:
        return int(self.result.outcome)

    @strawberry.field(description="What differs: bill, fund, account, refunded.")
    def differences(self) -> list[str]:
        return list(self.result.differences)

    @strawberry.field(description="The partner's idempotency key of its settle request (its visit reference), "
                                  "or the file's visit id where the service lacks the settlement.")
    def visit_id(self) -> str | None:
        return self.result.visit_id

    @strawberry.field(description="The subject's masked name (张*伟), or the file's person where the service "
                                  "lacks the settlement.")
    def person(self) -> str | None:
        return self.result.person

    @strawberry.field(description="The service's side; null when only the partner has it.")
    def service(self) -> ReconcileAmounts | None:
        return ReconcileAmounts(side=self.result.ours) if self.result.ours else None

    @strawberry.field(description="The partner's side; null when only the service has it.")
    def partner(self) -> ReconcileAmounts | None:
        return ReconcileAmounts(side=self.result.theirs) if self.result.theirs else None

    @strawberry.field(description="Only the partner has it in these days, but the institution made it on this "
                                  "(China-time) day.")
    def settled_on(self) -> datetime.date | None:
        return self.result.settled_at_day

    @strawberry.field(description="Its row in the partner's file.")
    def row(self) -> int | None:
        return self.result.row


@strawberry.type(description="How many settlements had each result.")
class ReconcileCounts:
    balanced: int
    only_service: int
    only_partner: int
    different: int


@strawberry.type(description="A detail reconciliation (3202): one result per settlement.")
class ReconcileDetails:
    results_: strawberry.Private[list[DetailResult]]
    csv_text: strawberry.Private[str]
    first: datetime.date
    last: datetime.date

    @strawberry.field(description="True when every settlement balanced.")
    def balanced(self) -> bool:
        return all(r.outcome is DetailOutcome.BALANCED for r in self.results_)

    @strawberry.field
    def counts(self) -> ReconcileCounts:
        n = {o: 0 for o in DetailOutcome}
        for r in self.results_:
            n[r.outcome] += 1
        return ReconcileCounts(balanced=n[DetailOutcome.BALANCED], only_service=n[DetailOutcome.ONLY_OURS],
                               only_partner=n[DetailOutcome.ONLY_THEIRS], different=n[DetailOutcome.DIFFERENT])

    @strawberry.field(description="The results (the service's settlements in the order made, then the file's "
                                  "other rows); `unbalancedOnly` leaves out the balanced ones.")
    def results(self, unbalanced_only: bool = False) -> list[ReconcileDetail]:
        return [ReconcileDetail(result=r) for r in self.results_
                if not (unbalanced_only and r.outcome is DetailOutcome.BALANCED)]

    @strawberry.field(description="The result file, CSV (UTF-8): settlement_id, visit_id, person, result (0-3), "
                                  "memo, the service's bill_yuan, fund_yuan, account_yuan, refunded, the partner's "
                                  "partner_bill_yuan … partner_refunded.")
    def csv(self) -> str:
        return self.csv_text


@strawberry.type(description="A problem of a detail file: its row (1 is the header) and column.")
class ReconcileFileProblem:
    error: strawberry.Private[RowError]

    @strawberry.field
    def row(self) -> int:
        return self.error.row

    @strawberry.field(description="settlement_id, visit_id, person, bill_yuan, fund_yuan, account_yuan or refunded; "
                                  "empty for the whole row.")
    def column(self) -> str:
        return self.error.column

    @strawberry.field
    def code(self) -> str:
        return self.error.code

    @strawberry.field(description="In the caller's language.")
    def message(self, info: Info) -> str:
        return gettext(info.context.locale, self.error.message_id, **self.error.params)

    @strawberry.field(description="What the file had there.")
    def value(self) -> str | None:
        return self.error.value


@strawberry.type(description="A detail file that cannot be reconciled: nothing was compared.")
class ReconcileFileRejected:
    error: strawberry.Private[OperationError]
    problems: list[ReconcileFileProblem] = strawberry.field(description="The first 100 problems, by row.")
    problem_count: int

    @strawberry.field
    def code(self) -> ErrorCodeEnum:
        return self.error.code

    @strawberry.field
    def message(self) -> str:
        return self.error.message


ReconcileTotalsResult = Annotated[Union[ReconcileTotals, OperationError], strawberry.union("ReconcileTotalsResult")]
ReconcileDetailsResult = Annotated[Union[ReconcileDetails, ReconcileFileRejected, OperationError],
                                   strawberry.union("ReconcileDetailsResult")]
