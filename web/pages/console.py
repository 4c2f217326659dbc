"""Staff console: claimed relationships waiting for a clerk, verified or rejected from the list."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from backend.principals import Channel, PrincipalKind
from web import labels
from web.operations import execute
from web.rendering import render
from web.security import principal_from_session


async def _staff(request: Request):
    principal = await principal_from_session(request.app.state.rt, request)
    return principal if principal.kind is PrincipalKind.STAFF else None


async def _render(request: Request, principal, *, errors=None, partial=False, status_code=200) -> Response:
    data = await execute(request, principal, "console/claims.graphql", channel=Channel.CONSOLE)
    template = "console/_claims.html" if partial else "console/page.html"
    return render(request, template, status_code=status_code, me=data["viewer"], claims=data["relationshipClaims"],
                  labels=labels, errors=errors or {})


async def console_page(request: Request) -> Response:
    principal = await _staff(request)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return await _render(request, principal)


async def decide(request: Request) -> Response:
    principal = await _staff(request)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    form = await request.form()
    relationship_id = str(form.get("relationshipId", ""))
    if request.path_params["decision"] == "verify":
        data = await execute(request, principal, "console/decide.graphql", channel=Channel.CONSOLE,
                             operation="Verify", id=relationship_id, method=str(form.get("method", "REGISTRY")))
    else:
        data = await execute(request, principal, "console/decide.graphql", channel=Channel.CONSOLE,
                             operation="Reject", id=relationship_id, reason=str(form.get("reason", "")))
    result = next(iter(data.values()))
    htmx = request.headers.get("hx-request") == "true"
    if result["__typename"] == "OperationError":
        return await _render(request, principal, errors={relationship_id: result["message"]}, partial=htmx,
                             status_code=200 if htmx else 400)
    if not htmx:
        return RedirectResponse("/console", status_code=303)
    return await _render(request, principal, partial=True)


routes = [
    Route("/console", console_page, methods=["GET"]),
    Route("/console/claims/{decision:str}", decide, methods=["POST"]),
]
