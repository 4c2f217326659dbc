"""The one gate: applies the schema's rule table to every field it resolves.

A field without a rule is refused (fail closed). A refused mutation comes back as a typed
NOT_ALLOWED result; a refused query field as a FORBIDDEN error with null in its place. Staff reads
of personal data are gathered per person and written to the audit log once per operation.

The gate is installed once, when the schema is built (`install`): each field's resolver is wrapped
with a check made for that field's row, and a field every kind of caller may see whole is left
unwrapped. A per-field extension hook would run for every resolution of every field, wrapper types
and plain visible fields included, and cost a sixth of a page's time.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, OperationType, default_field_resolver
from strawberry.extensions import SchemaExtension

from backend.domain.errors import DomainError, ErrorCode
from backend.graph.core.errors import OperationError, forbidden
from backend.graph.core.rules import ALLOW, COLUMN, Access, Row, RuleTable
from backend.services.platform import audit

log = logging.getLogger(__name__)


def install(schema: GraphQLSchema, rules: RuleTable) -> None:
    """Wrap every ruled field's resolver in its row's check (Wrapper and introspection types pass whole)."""
    for type_name, gtype in schema.type_map.items():
        if not isinstance(gtype, GraphQLObjectType) or type_name.startswith("__") or type_name in rules.wrapper_types:
            continue
        for field_name, field in gtype.fields.items():
            row = rules.rows.get(f"{type_name}.{field_name}")
            if row is not None and all(rule is ALLOW for rule in row):
                continue
            resolve = field.resolve or default_field_resolver
            field.resolve = _unruled(type_name, field_name) if row is None else _guarded(type_name, field_name, row,
                                                                                         resolve)


def _unruled(type_name: str, field_name: str) -> Callable[..., Any]:
    def refuse(root, info, **_kwargs) -> Any:
        log.error("no authorization rule for %s.%s", type_name, field_name)
        return _denied(type_name, info.context)

    return refuse


def _denied(type_name: str, ctx) -> Any:
    if type_name == "Mutation":
        return OperationError.of(DomainError(ErrorCode.NOT_ALLOWED), ctx.locale)
    raise forbidden(ctx.locale)


def _guarded(type_name: str, field_name: str, row: Row, resolve: Callable[..., Any]) -> Callable[..., Any]:
    read = f"{type_name}.{field_name}"

    def guarded(root, info, **kwargs) -> Any:
        ctx = info.context
        rule = row[COLUMN[ctx.principal.kind]]
        if rule is ALLOW:
            return resolve(root, info, **kwargs)
        access = rule.decide(ctx, root)
        if access is Access.DENIED:
            return _denied(type_name, ctx)
        if rule.audited and not (ctx.principal.is_partner and info.operation.operation is OperationType.MUTATION):
            # (A partner's mutation writes its own audit event about the person; reading its result
            # back in the same operation is not logged twice.)
            for person_id in root.subject_ids():
                ctx.personal_data_reads[person_id].add(read)
        result = resolve(root, info, **kwargs)
        if access is Access.MASKED:
            if inspect.isawaitable(result):
                return _masked_later(result, rule.mask)
            return None if result is None else rule.mask(result)
        return result

    return guarded


async def _masked_later(result, mask):
    value = await result
    return None if value is None else mask(value)


class Gate(SchemaExtension):
    """What the gate does once per operation: write the personal-data reads it gathered to the audit
    log, and end the request's read transaction; a page that began the transaction (and runs several
    operations in it) does both itself when it ends (`write_read_audit`)."""

    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            ctx = self.execution_context.context
            if ctx.owns_reads:
                ctx.end_reads()

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        ctx = self.execution_context.context
        if ctx.personal_data_reads:
            ctx.unaudited_reads.append({pid: sorted(fields) for pid, fields in ctx.personal_data_reads.items()})
            ctx.personal_data_reads.clear()
        if ctx.owns_reads:
            await write_read_audit(ctx)


async def write_read_audit(ctx) -> None:
    """The personal-data reads gathered so far, an event per person and operation, in one transaction
    (before a write, and when the operation or the page that gathered them ends)."""
    if ctx.unaudited_reads:
        operations, ctx.unaudited_reads = ctx.unaudited_reads, []
        await ctx.run(_audit_reads, ctx, operations)


def _audit_reads(ctx, operations: list[dict]) -> None:
    now = ctx.rt.clock.now()
    events = [audit.event(ctx.actor, "person.read", at=now, subject_person_id=person_id, fields=fields)
              for reads in operations for person_id, fields in reads.items()]
    ctx.rt.db.write(lambda s: audit.write(s, events))
