"""Staff read the clearing batches; a partner reads its own statement (结算单) for a month."""

# No `from __future__ import annotations` here: the lazy types of core.refs must be evaluated
# where they are used, not re-read from a string in this module.
import strawberry
from strawberry.types import Info

from backend.domain.clearing import Month
from backend.domain.errors import DomainError, ErrorCode
from backend.graph.clearing.types import ClearingBatch, ClearingFigures, ClearingStatement
from backend.graph.core.errors import bad_request
from backend.graph.core.ids import from_global_id
from backend.services.clearing import views
from backend.storage import models


@strawberry.type
class ClearingQuery:
    @strawberry.field(description="Staff: the clearing batches, newest month first (rejected ones too).")
    async def clearing_batches(self, info: Info) -> list[ClearingBatch] | None:
        ctx = info.context

        def run():
            with ctx.rt.db.read() as s:
                return views.batches(s)

        return [ClearingBatch(row=row) for row in await ctx.run(run)]

    @strawberry.field(description="Staff: what is owed to institutions and how many batches wait for approval.")
    async def clearing_figures(self, info: Info) -> ClearingFigures | None:
        ctx = info.context
        # In the request's read session, inline (as a batch of a loader runs): one aggregate statement.
        figures = views.dashboard_figures(await ctx.reads.session())
        return ClearingFigures(owed_fen=figures.owed_fen, in_batches_fen=figures.in_batches_fen,
                               batches_waiting_for_approval=figures.waiting_for_approval)

    @strawberry.field(description="Staff: one clearing batch.")
    async def clearing_batch(self, info: Info, id: strawberry.ID) -> ClearingBatch | None:
        ctx = info.context
        decoded = from_global_id(id, "ClearingBatch")
        if decoded is None:
            return None

        def run():
            with ctx.rt.db.read() as s:
                return s.get(models.ClearingBatch, decoded[1])

        row = await ctx.run(run)
        return ClearingBatch(row=row) if row else None

    @strawberry.field(description="结算单: an institution's lines of a month's clearing batch (null before the "
                                  "month is prepared, or when the institution had nothing in it). A partner "
                                  "reads its own (institutionId is ignored); staff name the institution.")
    async def clearing_statement(self, info: Info, month: str,
                                 institution_id: strawberry.ID | None = None) -> ClearingStatement | None:
        ctx = info.context
        try:
            wanted = Month.parse(month)
        except DomainError as error:
            raise bad_request(error, ctx.locale) from None
        if ctx.principal.is_partner:
            key = ctx.principal.id
        else:
            decoded = from_global_id(institution_id or "", "Institution")
            if decoded is None:
                raise bad_request(DomainError(ErrorCode.NOT_FOUND, field="institutionId"), ctx.locale)
            key = decoded[1]

        def run():
            with ctx.rt.db.read() as s:
                return views.statement(s, wanted, key)

        found = await ctx.run(run)
        if found is None:
            return None
        return ClearingStatement(batch=found.batch, institution_row=found.institution, rows=found.lines)
