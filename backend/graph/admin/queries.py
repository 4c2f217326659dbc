"""The audit log, for auditors and admins."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.domain.errors import DomainError, ErrorCode
from backend.graph.admin import reads
from backend.graph.admin.types import AuditEvent, HsaMessage, PolicyLimit
from backend.graph.core.errors import bad_request
from backend.graph.core.ids import from_global_id
from backend.graph.core.pagination import (
    Connection,
    connection,
    keyset_connection,
    keyset_window,
    requested_window,
    sql_key,
)
from backend.services.hsa import messages
from backend.services.platform import audit
from backend.services.region import limits


@strawberry.type
class AdminQuery:
    @strawberry.field(description="Auditors and admins: the audit log, newest first, optionally about one person. "
                                  "Reading it is audited too.")
    async def audit_events(self, info: Info, subject_id: strawberry.ID | None = None, first: int = 20,
                           after: str | None = None) -> Connection[AuditEvent] | None:
        ctx = info.context
        start, limit = keyset_window(ctx, first, after)
        decoded = from_global_id(subject_id, "Person") if subject_id else None
        if subject_id and decoded is None:
            raise bad_request(DomainError(ErrorCode.NOT_FOUND, field="subjectId"), ctx.locale)
        key = decoded[1] if decoded else None

        def run():
            with ctx.rt.db.read() as s:
                return reads.audit_events(s, key, start, limit)

        rows, total, more = await ctx.run(run)
        await ctx.run(_audit_log_read, ctx, key)
        return keyset_connection([AuditEvent(row=r) for r in rows], [sql_key(r.at, r.id) for r in rows], total=total,
                                 has_next=more, has_previous=start is not None)

    @strawberry.field(description="Auditors and admins: the HSA gateway's message log, newest first; search by a "
                                  "msgid (or its start) or an institution code, a transaction number, failures only.")
    async def hsa_messages(self, info: Info, search: str = "", infno: str = "", failed_only: bool = False,
                           first: int = 20, after: str | None = None) -> Connection[HsaMessage] | None:
        ctx = info.context
        offset, limit = requested_window(ctx, first, after)
        query = messages.LogSearch(search[:40], infno[:6], failed_only)
        lines, total = await ctx.run(messages.search, ctx.rt, ctx.actor, query, offset=offset, limit=limit)
        return connection([HsaMessage(line=line) for line in lines], offset, total)

    @strawberry.field(description="Staff: every cap a region has set (R4), by name and region prefix.")
    async def policy_limits(self, info: Info) -> list[PolicyLimit] | None:
        ctx = info.context

        def run():
            with ctx.rt.db.read() as s:
                return limits.all_limits(s)

        return [PolicyLimit(name=r.name, region_prefix=r.region_prefix, value=r.value) for r in await ctx.run(run)]


def _audit_log_read(ctx, subject_id) -> None:
    ctx.rt.db.write(lambda s: audit.record(s, ctx.actor, "audit.read", at=ctx.rt.clock.now(),
                                           subject_person_id=subject_id))
