"""Pages run their GraphQL operations in-process through the same schema and gate as partners.

Operation documents live next to their templates (`web/templates/<page>/<name>.graphql`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.requests import Request

from backend.graph.core.context import Context, build_context
from backend.principals import Channel, Principal
from web.rendering import TEMPLATES, request_locale


@cache
def document(path: str) -> str:
    return (TEMPLATES / path).read_text()


class OperationFailed(RuntimeError):
    """The schema answered with errors a page cannot present (a bug)."""


async def _context(request: Request, principal: Principal, channel: Channel) -> Context:
    """One context per page request, shared by its operations: one scope read, and loaders that keep
    what an earlier operation read (a mutation that may change it reads afresh, see `attempt`)."""
    context = getattr(request.state, "graph_context", None)
    if context is None or context.principal != principal or context.channel is not channel:
        context = await build_context(request.app.state.rt, principal, channel, request_locale(request),
                                      request=request, reads=getattr(request.state, "reads", None))
        request.state.graph_context = context
    return context


async def execute(request: Request, principal: Principal, path: str, channel: Channel = Channel.WEB,
                  operation: str | None = None, **variables: Any) -> dict[str, Any]:
    context = await _context(request, principal, channel)
    result = await request.app.state.schema.execute(document(path), variable_values=variables, context_value=context,
                                      operation_name=operation)
    # A field the caller may not see comes back null with a FORBIDDEN error; the page shows it as absent.
    unexpected = [e for e in result.errors or [] if (e.extensions or {}).get("code") != "FORBIDDEN"]
    if unexpected or result.data is None:
        raise OperationFailed("; ".join(e.message for e in unexpected or result.errors or []))
    return result.data
