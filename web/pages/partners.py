"""Admins: partner institutions and their API keys (register, issue, rotate, revoke, disable, enable).

A new key's plaintext is shown once, in the answer to the action that made it. Rotating, revoking and
disabling ask for confirmation first; every success says what happened.
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
from web.pages.admin_forms import (
    Pages,
    act_on_row,
    answered,
    choice_error,
    fields,
    page_link,
    page_number,
    page_window,
    refused,
    take_notice,
)
from web.rendering import render

DOCUMENT = "console/partners.graphql"
PAGE = "/console/partners"
KINDS = ("HOSPITAL", "PHARMACY", "APP")
LEVELS = ("0", "1", "2", "3")
REGISTER_FIELDS = ("name", "kind", "level", "regionCode", "reason")
# Row actions: the operation each runs, whether its answer carries a new key, whether it asks first.
ACTIONS = {"issue": ("Issue", True, False), "rotate": ("Rotate", True, True), "revoke": ("Revoke", False, True),
           "disable": ("Disable", False, True), "enable": ("Enable", False, False)}


async def _render(request: Request, principal, *, number: int = 1, errors=None, form=None, shown_once=None,
                  notice=None, confirm=None, partial=False, status_code=200) -> Response:
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="Partners",
                         **page_window(number))
    institutions = data["institutions"]
    if institutions is None:  # not an admin: the graph refused the list
        status_code = 403
    template = "console/_partners.html" if partial else "console/partners.html"
    return render(request, template, status_code=status_code, me=data["viewer"], institutions=institutions,
                  pages=Pages.of(institutions, number) if institutions else None, path=PAGE,
                  errors=errors or {}, form=form or {"kind": "HOSPITAL", "level": "0"}, shown_once=shown_once,
                  notice=notice, confirm=confirm, kinds=KINDS, levels=LEVELS, labels=labels,
                  grace_hours=request.app.state.rt.settings.api_key_rotation_grace_hours)


@staff_page
async def partners_page(request: Request, principal) -> Response:
    return await _render(request, principal, number=page_number(request.query_params.get("page")),
                         notice=take_notice(request))


def _shown_once(payload: dict) -> dict:
    return {"plaintext": payload["apiKey"]["plaintext"], "prefix": payload["apiKey"]["key"]["prefix"],
            "partner": (payload.get("partner") or {}).get("name"), "previous": payload.get("previous")}


def _notice(operation: str, payload: dict) -> dict | None:
    """What a row action did, for the line at the top of the list."""
    if operation == "Revoke":
        return {"kind": "revoked", "prefix": payload["key"]["prefix"], "at": payload["key"]["revokedAt"]}
    if operation == "SetCode":
        return {"kind": "code_set", "name": payload["partner"]["name"], "code": payload["partner"]["institutionCode"]}
    if operation in ("Disable", "Enable"):
        return {"kind": f"partner_{operation.lower()}d", "name": payload["partner"]["name"]}
    return None


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
async def set_code(request: Request, principal) -> Response:
    """The partner's institution code (fixmedins_code for the HSA gateway); a refusal shows beside it."""
    form = fields(await request.form(), "id", "institutionCode", "reason", "page")
    number = page_number(form["page"])
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="SetCode",
                         id=form["id"], code=form["institutionCode"], reason=form["reason"])
    result = data["setInstitutionCode"]
    done = result["__typename"] != "OperationError"
    return await answered(request, result, partial(_render, request, principal, number=number),
                          back_to=page_link(PAGE, number), error_key=f"code-{form['id']}",
                          notice=_notice("SetCode", result) if done else None)


@staff_page
async def act(request: Request, principal) -> Response:
    name = request.path_params["action"]
    action = ACTIONS.get(name)
    if action is None:
        return Response(status_code=404)
    operation, issues_key, asks_first = action
    return await act_on_row(request, principal, _render, document=DOCUMENT, page=PAGE, action=name,
                            operation=operation, asks_first=asks_first,
                            notice=partial(_notice, operation), shown_once=_shown_once if issues_key else None)


@staff_page
async def set_payee(request: Request, principal) -> Response:
    """Admins: where clearing pays the partner (bank name, account number), with a reason; audited."""
    form = fields(await request.form(), "id", "bankName", "accountNumber", "reason", "page")
    number = page_number(form["page"])
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="Payee", id=form["id"],
                         bankName=form["bankName"], accountNumber=form["accountNumber"], reason=form["reason"])
    result = data["setPayeeAccount"]
    done = result["__typename"] != "OperationError"
    return await answered(request, result, partial(_render, request, principal, number=number),
                          back_to=page_link(PAGE, number), error_key=f"payee-{form['id']}",
                          notice={"kind": "payee_set", "name": result["partner"]["name"]} if done else None)


routes = [
    Route(PAGE, partners_page, methods=["GET"]),
    Route(f"{PAGE}/register", register, methods=["POST"]),
    Route(f"{PAGE}/payee", set_payee, methods=["POST"]),
    Route(f"{PAGE}/code", set_code, methods=["POST"]),
    Route(PAGE + "/{action:str}", act, methods=["POST"]),
]
