"""Admins: staff users (add, change role, disable, enable). The graph keeps at least one active admin.

Disabling asks for confirmation first; every success says what happened.
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

DOCUMENT = "console/staff.graphql"
PAGE = "/console/staff"
ROLES = ("CLERK", "AUDITOR", "ADMIN")
ADD_FIELDS = ("username", "name", "role", "password", "reason")
# Row actions: the operation each runs, and whether it asks first.
ACTIONS = {"disable": ("Disable", True), "enable": ("Enable", False)}


async def _render(request: Request, principal, *, number: int = 1, errors=None, form=None, notice=None,
                  confirm=None, partial=False, status_code=200) -> Response:
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="StaffUsers",
                         **page_window(number))
    users = data["staffUsers"]
    if users is None:  # not an admin: the graph refused the list
        status_code = 403
    template = "console/_staff.html" if partial else "console/staff.html"
    return render(request, template, status_code=status_code, me=data["viewer"], users=users,
                  pages=Pages.of(users, number) if users else None, path=PAGE, errors=errors or {},
                  form=form or {"role": "CLERK"}, notice=notice, confirm=confirm, roles=ROLES, labels=labels)


@staff_page
async def staff_page_(request: Request, principal) -> Response:
    return await _render(request, principal, number=page_number(request.query_params.get("page")),
                         notice=take_notice(request))


def _notice(kind: str, result: dict) -> dict | None:
    """What an action did to whom, for the line at the top of the list."""
    if result["__typename"] == "OperationError":
        return None
    user = result["staffUser"]
    return {"kind": kind, "username": user["username"], "role": user["role"]}


@staff_page
async def add(request: Request, principal) -> Response:
    form = fields(await request.form(), *ADD_FIELDS)
    rerender = partial(_render, request, principal)
    # The password is never sent back into the form.
    shown = {**form, "password": ""}
    errors = choice_error(request, form["role"], ROLES, "role")
    if errors:
        return await refused(request, errors, rerender, form=shown)
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="Add", **form)
    result = data["addStaffUser"]
    return await answered(request, result, rerender, back_to=PAGE, form=shown, notice=_notice("added", result))


@staff_page
async def set_role(request: Request, principal) -> Response:
    form = fields(await request.form(), "id", "role", "reason", "page")
    number = page_number(form.pop("page"))
    rerender = partial(_render, request, principal, number=number)
    errors = choice_error(request, form["role"], ROLES, form["id"])
    if errors:
        return await refused(request, errors, rerender)
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="SetRole", **form)
    result = data["setStaffRole"]
    return await answered(request, result, rerender, back_to=page_link(PAGE, number), error_key=form["id"],
                          notice=_notice("role_set", result))


@staff_page
async def act(request: Request, principal) -> Response:
    name = request.path_params["action"]
    action = ACTIONS.get(name)
    if action is None:
        return Response(status_code=404)
    operation, asks_first = action
    return await act_on_row(request, principal, _render, document=DOCUMENT, page=PAGE, action=name,
                            operation=operation, asks_first=asks_first, notice=partial(_notice, f"{name}d"))


routes = [
    Route(PAGE, staff_page_, methods=["GET"]),
    Route(f"{PAGE}/add", add, methods=["POST"]),
    Route(f"{PAGE}/role", set_role, methods=["POST"]),
    Route(PAGE + "/{action:str}", act, methods=["POST"]),
]
