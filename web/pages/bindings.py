"""'Family account' (亲情账户): whose code I may show, who may show mine, and their scopes."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from web import labels
from web.operations import execute
from web.pages.access import household_page
from web.pages.outcome import after_mutation
from web.rendering import render

# action -> (operation, the form field the binding or person id comes in)
ACTIONS = {
    "request": ("Request", "subjectId"),
    "approve": ("Approve", "bindingId"),
    "decline": ("Decline", "bindingId"),
    "end": ("End", "bindingId"),
    "scopes": ("Scopes", "bindingId"),
    "activate": ("Activate", "personId"),  # a guardian activates a minor child's e-voucher
}


async def _render(request: Request, principal, *, errors=None, partial=False, status_code=200) -> Response:
    me = (await execute(request, principal, "bindings/page.graphql"))["viewer"]
    held = {e["node"]["subject"]["id"] for e in me["heldBindings"]["edges"]}
    candidates = [e for e in me["family"]["edges"]
                  if e["node"]["id"] not in held and e["relationship"]["status"] != "REJECTED"]
    template = "bindings/_sections.html" if partial else "bindings/page.html"
    return render(request, template, status_code=status_code, me=me, candidates=candidates, labels=labels,
                  errors=errors or {})


@household_page
async def bindings_page(request: Request, principal) -> Response:
    return await _render(request, principal)


@household_page
async def act(request: Request, principal) -> Response:
    action = request.path_params["action"]
    if action not in ACTIONS:
        return RedirectResponse("/bindings", status_code=303)
    operation, id_field = ACTIONS[action]
    form = await request.form()
    target = str(form.get(id_field, ""))
    variables = {id_field: target}
    if action == "scopes":
        variables.update(viewInsurance=form.get("viewInsurance") == "on", viewAccount=form.get("viewAccount") == "on")
    data = await execute(request, principal, "bindings/actions.graphql", operation=operation, **variables)
    return await after_mutation(request, next(iter(data.values())), rerender=partial(_render, request, principal),
                                back_to="/bindings", error_key="request" if action == "request" else target)


routes = [
    Route("/bindings", bindings_page, methods=["GET"]),
    Route("/bindings/{action:str}", act, methods=["POST"]),
]
