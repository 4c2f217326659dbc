"""Staff console, /console/claims: claimed relationships waiting for a clerk, verified or rejected from the list."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.principals import Channel
from web import labels
from web.operations import execute
from web.pages.access import staff_page
from web.pages.outcome import after_mutation
from web.rendering import render


async def _render(request: Request, principal, *, errors=None, partial=False, status_code=200) -> Response:
    data = await execute(request, principal, "console/claims.graphql", channel=Channel.CONSOLE)
    template = "console/_claims.html" if partial else "console/claims.html"
    return render(request, template, status_code=status_code, me=data["viewer"], claims=data["relationshipClaims"],
                  labels=labels, errors=errors or {})


@staff_page
async def claims_page(request: Request, principal) -> Response:
    return await _render(request, principal)


@staff_page
async def decide(request: Request, principal) -> Response:
    form = await request.form()
    relationship_id = str(form.get("relationshipId", ""))
    if request.path_params["decision"] == "verify":
        data = await execute(request, principal, "console/decide.graphql", channel=Channel.CONSOLE,
                             operation="Verify", id=relationship_id, method=str(form.get("method", "REGISTRY")))
    else:
        data = await execute(request, principal, "console/decide.graphql", channel=Channel.CONSOLE,
                             operation="Reject", id=relationship_id, reason=str(form.get("reason", "")))
    return await after_mutation(request, next(iter(data.values())), rerender=partial(_render, request, principal),
                                back_to="/console/claims", error_key=relationship_id)


routes = [
    Route("/console/claims", claims_page, methods=["GET"]),
    Route("/console/claims/{decision:str}", decide, methods=["POST"]),
]
