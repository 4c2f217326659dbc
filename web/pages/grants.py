"""'Mutual aid' (家庭共济): grants I give (caps, usage, revoke, premiums) and receive (payer order)."""

from __future__ import annotations

from functools import partial

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.clock import CHINA
from backend.i18n import gettext
from web import labels
from web.forms import FieldError, optional_yuan_to_fen
from web.operations import execute
from web.pages.access import household_page
from web.pages.outcome import after_mutation, is_htmx
from web.rendering import render, request_locale


def _order(form: FormData, saved: list[str]) -> dict:
    """The chosen first pool, then the rest as they were; the own account left out when skipped."""
    first = str(form.get("first", ""))
    pools = ([first] if first in saved else []) + [k for k in saved if k != first]
    if form.get("skipOwn") == "on":
        pools = [k for k in pools if k != "own"]
    return {"pools": pools, "cashOnly": form.get("cashOnly") == "on"}


def _variables(action: str, form: FormData, saved_order: list[str], today_year: int) -> tuple[str, dict, str]:
    """(operation, variables, the key errors show beside) for one form post; FieldError on a bad amount."""
    if action == "create":
        return "Create", {"granteeId": str(form.get("granteeId", "")), "cap": optional_yuan_to_fen(str(form.get("cap", "")))}, \
            "create"
    grant_id = str(form.get("grantId", ""))
    if action == "revoke":
        return "Revoke", {"grantId": grant_id}, grant_id
    if action == "cap":
        return "Cap", {"grantId": grant_id, "cap": optional_yuan_to_fen(str(form.get("cap", ""))),
                       "allowMedical": form.get("allowMedical") == "on",
                       "allowPremium": form.get("allowPremium") == "on"}, grant_id
    if action == "premium":
        return "Premium", {"granteeId": str(form.get("granteeId", "")),
                           "year": int(form.get("year") or today_year)}, grant_id
    return "Order", _order(form, saved_order), "order"


async def _render(request: Request, principal, *, errors=None, notice=None, partial=False,
                  status_code=200) -> Response:
    me = (await execute(request, principal, "grants/page.graphql"))["viewer"]
    granted = {e["node"]["grantee"]["id"] for e in me["grantsGiven"]["edges"] if e["node"]["status"] != "REVOKED"}
    candidates = [e for e in me["family"]["edges"]
                  if e["relationship"]["status"] == "VERIFIED" and e["node"]["id"] not in granted]
    template = "grants/_sections.html" if partial else "grants/page.html"
    year = request.app.state.rt.clock.now().astimezone(CHINA).year
    return render(request, template, status_code=status_code, me=me, candidates=candidates, labels=labels,
                  errors=errors or {}, notice=notice, year=year)


@household_page
async def grants_page(request: Request, principal) -> Response:
    return await _render(request, principal)


@household_page
async def act(request: Request, principal) -> Response:
    action = request.path_params["action"]
    form = await request.form()
    htmx = is_htmx(request)
    saved = str(form.get("saved", "")).split()
    year = request.app.state.rt.clock.now().astimezone(CHINA).year
    try:
        operation, variables, error_key = _variables(action, form, saved, year)
    except FieldError as bad:
        key = "create" if action == "create" else str(form.get("grantId", ""))
        message = gettext(request_locale(request), bad.message)
        return await _render(request, principal, errors={key: message}, partial=htmx, status_code=200 if htmx else 400)
    data = await execute(request, principal, "grants/actions.graphql", operation=operation, **variables)
    result = next(iter(data.values()))
    return await after_mutation(request, result, rerender=partial(_render, request, principal), back_to="/grants",
                                error_key=error_key, notice=result.get("premium"))


routes = [
    Route("/grants", grants_page, methods=["GET"]),
    Route("/grants/{action:str}", act, methods=["POST"]),
]
