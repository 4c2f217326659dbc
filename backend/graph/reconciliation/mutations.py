"""reconcileTotals (3201) and reconcileDetails (3202): a partner for itself, staff for any institution.

Both only read; they are mutations for their typed error results and, for the detail, the file upload
(a multipart request, within the body limit of /graphql: docs/graphql.md, "Reconciliation")."""

from __future__ import annotations

import datetime

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.insurance import CLEARING_TYPE_CODE, INSUTYPE_CODE, InsuranceType
from backend.domain.reconciliation import Figures
from backend.domain.settlement import VisitType
from backend.graph.core.enums import InsuranceTypeEnum, VisitTypeEnum
from backend.graph.core.errors import OperationError
from backend.graph.core.ids import key_of
from backend.graph.core.mutations import attempt
from backend.graph.core.scalars import Fen
from backend.graph.reconciliation.types import (
    ReconcileDetails,
    ReconcileDetailsResult,
    ReconcileFileProblem,
    ReconcileFileRejected,
    ReconcileTotals,
    ReconcileTotalsResult,
)
from backend.services.reconciliation import detail_file, reconcile


@strawberry.input
class ReconcileTotalsInput:
    institution_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff: the institution. Partners: omit (their own).")
    first: datetime.date = strawberry.field(description="The first China-time day.")
    last: datetime.date = strawberry.field(description="The last China-time day, before today.")
    insurance_type: InsuranceTypeEnum = strawberry.field(description="EMPLOYEE (310) or RESIDENT (390).")
    visit_type: VisitTypeEnum = strawberry.field(description="The clearing type: OUTPATIENT 11, INPATIENT 21, "
                                                             "PHARMACY 41.")
    count: int = strawberry.field(description="Settlements (with refunds included, plus refund records).")
    bill_fen: Fen
    fund_fen: Fen
    account_fen: Fen = strawberry.field(description="Personal accounts: own account and mutual aid.")
    include_refunds: bool = strawberry.field(default=True, description="Refunds and reversals made in these days "
                                                                       "counted (refd_setl_flag).")


@strawberry.input
class ReconcileDetailsInput:
    institution_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff: the institution. Partners: omit (their own).")
    first: datetime.date
    last: datetime.date
    file: Upload = strawberry.field(description="The detail CSV (multipart request); columns in docs/graphql.md.")
    encoding: str | None = strawberry.field(default=None, description="utf-8 or gb18030; detected when omitted.")


def _institution(actor, given: strawberry.ID | None):
    if given is not None:
        return key_of(given, "Institution", "institutionId")
    if actor.principal.is_partner:
        return actor.principal.id
    raise DomainError(ErrorCode.INVALID_INPUT, field="institutionId")


def _rejected(info: Info, refused: reconcile.DetailFileInvalid) -> ReconcileFileRejected:
    return ReconcileFileRejected(error=OperationError.of(refused, info.context.locale),
                                 problems=[ReconcileFileProblem(error=p) for p in refused.file_problems],
                                 problem_count=refused.params["count"])


@strawberry.type
class ReconciliationMutation:
    @strawberry.mutation(description="Partners (their own) and staff (any institution): check totals for past "
                                     "days, one insurance type and clearing type, against the service's (3201). "
                                     "Writes nothing.")
    async def reconcile_totals(self, info: Info, input: ReconcileTotalsInput) -> ReconcileTotalsResult:
        def work(rt, actor):
            institution = _institution(actor, input.institution_id)
            theirs = Figures(input.count, input.bill_fen, input.fund_fen, input.account_fen)
            return reconcile.reconcile_totals(
                rt, actor, institution, input.first, input.last, INSUTYPE_CODE[InsuranceType(input.insurance_type)],
                CLEARING_TYPE_CODE[VisitType(input.visit_type).value], theirs, input.include_refunds)

        return await attempt(info, work, lambda result: ReconcileTotals(
            result=result, first=input.first, last=input.last, insurance_type=input.insurance_type,
            visit_type=input.visit_type, include_refunds=input.include_refunds), changes_reads=False)

    @strawberry.mutation(description="Partners (their own) and staff (any institution): upload a detail file of "
                                     "settlements for past days; one result per settlement (3202). A malformed "
                                     "file answers its problems by row and column. Writes nothing.")
    async def reconcile_details(self, info: Info, input: ReconcileDetailsInput) -> ReconcileDetailsResult:
        upload = input.file

        def work(rt, actor):
            institution = _institution(actor, input.institution_id)
            try:
                rows = detail_file.read_detail_upload(upload.file, input.encoding)
                results = reconcile.reconcile_details(rt, actor, institution, input.first, input.last, rows)
            except reconcile.DetailFileInvalid as refused:
                return refused
            return ReconcileDetails(results_=results, first=input.first, last=input.last)

        def wrap(answer):
            return _rejected(info, answer) if isinstance(answer, reconcile.DetailFileInvalid) else answer

        return await attempt(info, work, wrap, changes_reads=False)
