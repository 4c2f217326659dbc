"""Staff console: the caps regions set (R4) and the settlement policy's limits (how old a service date may be,
which visits each kind of institution settles): every staff member reads them, admins set or clear one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from backend.domain.errors import N_
from backend.principals import Channel, Principal
from web import labels
from web.operations import execute
from web.pages.access import staff_page
from web.rendering import render

DOCUMENT = "console/limits.graphql"
FIELDS = ("name", "regionPrefix", "value")
VALUE_INVALID = N_("A limit is a whole number, or empty for no limit.")


async def _page(request: Request, principal: Principal, *, form: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="LimitsPage")
    return render(request, "console/limits.html", status_code=status_code, me=data["viewer"],
                  limits=data["policyLimits"] or [], form=form or {}, errors=errors or {}, labels=labels)


@staff_page
async def limits_page(request: Request, principal: Principal) -> Response:
    return await _page(request, principal)


@staff_page
async def set_limit(request: Request, principal: Principal) -> Response:
    form = await request.form()
    typed = {key: str(form.get(key, "")).strip() for key in FIELDS}
    if typed["value"] and not typed["value"].isdigit():
        return await _page(request, principal, form=typed, errors={"value": VALUE_INVALID}, status_code=400)
    value = int(typed["value"]) if typed["value"] else None
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="SetLimit",
                         input={"name": typed["name"], "regionPrefix": typed["regionPrefix"], "value": value})
    result = data["setPolicyLimit"]
    if result["__typename"] == "OperationError":
        field = result["field"] if result["field"] in FIELDS else "form"
        return await _page(request, principal, form=typed, errors={field: result["message"]}, status_code=400)
    return RedirectResponse("/console/limits", status_code=303)


routes = [
    Route("/console/limits", limits_page, methods=["GET"]),
    Route("/console/limits", set_limit, methods=["POST"]),
]
