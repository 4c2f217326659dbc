"""Admins: staff users (add, change role, disable, enable). The graph keeps at least one active admin."""

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

DOCUMENT = "console/staff.graphql"
PAGE = "/console/staff"
ROLES = ("CLERK", "AUDITOR", "ADMIN")
ADD_FIELDS = ("username", "name", "role", "password", "reason")
ACTIONS = {"disable": "Disable", "enable": "Enable"}


async def _render(request: Request, principal, *, errors=None, form=None, partial=False,
                  status_code=200) -> Response:
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="StaffUsers")
    if data["staffUsers"] is None:  # not an admin: the graph refused the list
        status_code = 403
    template = "console/_staff.html" if partial else "console/staff.html"
    return render(request, template, status_code=status_code, me=data["viewer"], users=data["staffUsers"],
                  errors=errors or {}, form=form or {"role": "CLERK"}, roles=ROLES, labels=labels)


@staff_page
async def staff_page_(request: Request, principal) -> Response:
    return await _render(request, principal)


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
    return await answered(request, data["addStaffUser"], rerender, back_to=PAGE, form=shown)


@staff_page
async def set_role(request: Request, principal) -> Response:
    form = fields(await request.form(), "id", "role", "reason")
    rerender = partial(_render, request, principal)
    errors = choice_error(request, form["role"], ROLES, form["id"])
    if errors:
        return await refused(request, errors, rerender)
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="SetRole", **form)
    return await answered(request, data["setStaffRole"], rerender, back_to=PAGE, error_key=form["id"])


@staff_page
async def act(request: Request, principal) -> Response:
    operation = ACTIONS.get(request.path_params["action"])
    if operation is None:
        return Response(status_code=404)
    form = fields(await request.form(), "id", "reason")
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation=operation, **form)
    return await answered(request, next(iter(data.values())), partial(_render, request, principal), back_to=PAGE,
                          error_key=form["id"])


routes = [
    Route(PAGE, staff_page_, methods=["GET"]),
    Route(f"{PAGE}/add", add, methods=["POST"]),
    Route(f"{PAGE}/role", set_role, methods=["POST"]),
    Route(PAGE + "/{action:str}", act, methods=["POST"]),
]
