"""The one gate: applies the schema's rule table to every field it resolves.

A field without a rule is refused (fail closed). A refused mutation comes back as a typed
NOT_ALLOWED result; a refused query field as a FORBIDDEN error with null in its place. Staff reads
of personal data are gathered per person and written to the audit log once per operation.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import OperationType
from strawberry.extensions import SchemaExtension

from backend.domain.errors import DomainError, ErrorCode
from backend.graph.core.errors import OperationError, forbidden
from backend.graph.core.rules import Access
from backend.services import audit

log = logging.getLogger(__name__)


class Gate(SchemaExtension):
    def resolve(self, _next, root, info, *args, **kwargs) -> Any:
        field = info.field_name
        type_name = info.parent_type.name
        if field.startswith("__") or type_name.startswith("__"):  # introspection: its own switch
            return _next(root, info, *args, **kwargs)
        ctx = info.context
        rule = self.execution_context.schema.rules.rule_for(type_name, field, ctx.principal.kind)
        if rule is None:
            log.error("no authorization rule for %s.%s", type_name, field)
            access = Access.DENIED
        else:
            access = rule.decide(ctx, root)
        if access is Access.DENIED:
            if type_name == "Mutation":
                return OperationError.of(DomainError(ErrorCode.NOT_ALLOWED), ctx.locale)
            raise forbidden(ctx.locale)
        if rule.audited and not (ctx.principal.is_partner and info.operation.operation is OperationType.MUTATION):
            # (A partner's mutation writes its own audit event about the person; reading its result
            # back in the same operation is not logged twice.)
            for person_id in root.subject_ids():
                ctx.personal_data_reads[person_id].add(f"{type_name}.{field}")
        result = _next(root, info, *args, **kwargs)
        if access is Access.MASKED:
            if inspect.isawaitable(result):
                return _masked_later(result, rule.mask)
            return None if result is None else rule.mask(result)
        return result

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        ctx = self.execution_context.context
        if ctx.personal_data_reads:
            reads = {pid: sorted(fields) for pid, fields in ctx.personal_data_reads.items()}
            ctx.personal_data_reads.clear()
            await ctx.run(_audit_reads, ctx, reads)


async def _masked_later(result, mask):
    value = await result
    return None if value is None else mask(value)


def _audit_reads(ctx, reads: dict) -> None:
    now = ctx.rt.clock.now()

    def work(s) -> None:
        for person_id, fields in reads.items():
            audit.record(s, ctx.actor, "person.read", at=now, subject_person_id=person_id, fields=fields)

    ctx.rt.db.write(work)
