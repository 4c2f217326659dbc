"""Admins: partner institutions and their API keys (register, issue, rotate, revoke, disable, enable).

A new key's plaintext is shown once, in the answer to the action that made it.
"""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.principals import Channel
from web import labels
from web.operations import execute
from web.pages.access import staff_page
from web.pages.admin_forms import answered, choice_error, fields, refused
from web.rendering import render

DOCUMENT = "console/partners.graphql"
PAGE = "/console/partners"
KINDS = ("HOSPITAL", "PHARMACY", "APP")
LEVELS = ("0", "1", "2", "3")
REGISTER_FIELDS = ("name", "kind", "level", "regionCode", "reason")
# Row actions: the operation each runs, and whether its answer carries a new key.
ACTIONS = {"issue": ("Issue", True), "rotate": ("Rotate", True), "revoke": ("Revoke", False),
           "disable": ("Disable", False), "enable": ("Enable", False)}


async def _render(request: Request, principal, *, errors=None, form=None, shown_once=None, partial=False,
                  status_code=200) -> Response:
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="Partners")
    if data["institutions"] is None:  # not an admin: the graph refused the list
        status_code = 403
    template = "console/_partners.html" if partial else "console/partners.html"
    return render(request, template, status_code=status_code, me=data["viewer"], institutions=data["institutions"],
                  errors=errors or {}, form=form or {"kind": "HOSPITAL", "level": "0"}, shown_once=shown_once,
                  kinds=KINDS, levels=LEVELS, labels=labels)


@staff_page
async def partners_page(request: Request, principal) -> Response:
    return await _render(request, principal)


def _shown_once(payload: dict) -> dict:
    return {"plaintext": payload["apiKey"]["plaintext"], "prefix": payload["apiKey"]["key"]["prefix"],
            "partner": (payload.get("partner") or {}).get("name"), "previous": payload.get("previous")}


@staff_page
async def register(request: Request, principal) -> Response:
    form = fields(await request.form(), *REGISTER_FIELDS)
    rerender = partial(_render, request, principal)
    errors = {**choice_error(request, form["kind"], KINDS, "kind"),
              **choice_error(request, form["level"], LEVELS, "level")}
    if errors:
        return await refused(request, errors, rerender, form=form)
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="Register",
                         name=form["name"], kind=form["kind"], level=int(form["level"]),
                         regionCode=form["regionCode"], reason=form["reason"])
    result = data["registerPartner"]
    shown = _shown_once(result) if result["__typename"] != "OperationError" else None
    return await answered(request, result, rerender, back_to=PAGE, shown_once=shown, form=form)


@staff_page
async def act(request: Request, principal) -> Response:
    """One action on one partner or key: the form carries its id and the reason."""
    action = ACTIONS.get(request.path_params["action"])
    if action is None:
        return Response(status_code=404)
    operation, issues_key = action
    form = fields(await request.form(), "id", "reason")
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation=operation,
                         id=form["id"], reason=form["reason"])
    result = next(iter(data.values()))
    shown = _shown_once(result) if issues_key and result["__typename"] != "OperationError" else None
    # A refusal is shown beside the reason of the form that was sent, found by the id it acted on.
    return await answered(request, result, partial(_render, request, principal), back_to=PAGE,
                          error_key=form["id"], shown_once=shown)


routes = [
    Route(PAGE, partners_page, methods=["GET"]),
    Route(f"{PAGE}/register", register, methods=["POST"]),
    Route(PAGE + "/{action:str}", act, methods=["POST"]),
]
