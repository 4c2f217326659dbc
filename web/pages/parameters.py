"""Staff console: settlement parameter versions per region prefix (everyone on staff reads them), and
the form admins use to create a new version, prefilled from the one in force today.

Money is typed in yuan and ratios in percent with two decimals; both are converted exactly
(`web.forms`) before the graph sees them. A refusal is shown beside the field it names.
"""

from __future__ import annotations

from datetime import date
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from backend.clock import CHINA
from backend.domain.errors import N_
from backend.domain.money import yuan
from backend.principals import Channel, Principal
from web import labels
from web.forms import FieldError, bp_to_percent, percent_to_bp, yuan_to_fen
from web.operations import execute
from web.pages.access import staff_page
from web.rendering import render

DOCUMENT = "console/parameters.graphql"
TYPES = ("employee", "resident")
VISITS = ("outpatient", "inpatient", "pharmacy")
LEVELS = ("0", "1", "2", "3")
DATE_INVALID = N_("Enter a date, for example 2027-01-01.")
SCALARS = ("source", "regionPrefix", "effectiveFrom", "label", "bSelfPayFirstBp", "premiumFen", "confirmFarAhead")


def ratio_key(insurance_type: str, visit: str, level: str) -> str:
    return f"fundRatioBp.{insurance_type}.{visit}.{level}"


def _prefilled(version: dict[str, Any] | None) -> dict[str, str]:
    """The form's values (as typed: yuan, percent) from a version of the graph; empty without one. The
    new version's date and label are left for the admin: a new version is not the old one."""
    if version is None:
        return {}
    form = {"source": version["id"], "regionPrefix": version["regionPrefix"], "effectiveFrom": "", "label": "",
            "bSelfPayFirstBp": bp_to_percent(version["bSelfPayFirstBp"]), "premiumFen": yuan(version["premiumFen"])}
    for a in version["amounts"]:
        t = a["insuranceType"].lower()
        form[f"deductibleFen.{t}"] = yuan(a["deductibleFen"])
        form[f"annualFundCapFen.{t}"] = yuan(a["annualFundCapFen"])
    for r in version["fundRatios"]:
        form[ratio_key(r["insuranceType"].lower(), r["visitType"].lower(), str(r["level"]))] = bp_to_percent(r["ratioBp"])
    return form


def _current(versions: list[dict[str, Any]], prefix: str, today: str) -> dict[str, Any] | None:
    """The prefix's version in force today, else its earliest (all still to come)."""
    own = [v for v in versions if v["regionPrefix"] == prefix]  # newest first
    return next((v for v in own if v["effectiveFrom"] <= today), own[-1] if own else None)


async def _page(request: Request, principal: Principal, *, form: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, ask_far_ahead: bool = False, status_code: int = 200) -> Response:
    """The page; after a refusal `form` is what was typed, and the note names the version it was
    prefilled from (its id travels with the form), not whatever is in force now."""
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="ParametersPage")
    versions = data["parameterVersions"] or []
    today = request.app.state.rt.clock.now().astimezone(CHINA).date().isoformat()
    if form is None:
        prefix = request.query_params.get("prefix") or (versions[0]["regionPrefix"] if versions else "")
        source = _current(versions, prefix, today)
        form = _prefilled(source)
    else:
        source = next((v for v in versions if v["id"] == form.get("source")), None)
    history = [(p, list(rows)) for p, rows in groupby(versions, key=lambda v: v["regionPrefix"])]
    return render(request, "console/parameters.html", status_code=status_code, me=data["viewer"], history=history,
                  source=source, today=today, form=form, errors=errors or {}, ask_far_ahead=ask_far_ahead,
                  labels=labels, yuan=yuan, percent=bp_to_percent, TYPES=TYPES, VISITS=VISITS, LEVELS=LEVELS,
                  ratio_key=ratio_key)


@staff_page
async def parameters_page(request: Request, principal: Principal) -> Response:
    return await _page(request, principal)


def _read(form: FormData) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """(what was typed, the graph's input, the page's own refusals by field)."""
    typed = {key: str(form.get(key, "")).strip() for key in SCALARS}
    errors: dict[str, str] = {}

    def converted(key: str, convert, optional: bool = False):
        text = str(form.get(key, "")).strip()
        typed[key] = text
        if optional and not text:
            return None
        try:
            return convert(text)
        except FieldError as refused:
            errors[key] = refused.message
            return None

    converted("effectiveFrom", _date)
    amounts = [{"insuranceType": t.upper(), "deductibleFen": converted(f"deductibleFen.{t}", yuan_to_fen),
                "annualFundCapFen": converted(f"annualFundCapFen.{t}", yuan_to_fen)} for t in TYPES]
    ratios = []
    for t in TYPES:
        for v in VISITS:
            for level in LEVELS:
                bp = converted(ratio_key(t, v, level), percent_to_bp, optional=level != "0")
                if bp is not None:
                    ratios.append({"insuranceType": t.upper(), "visitType": v.upper(), "level": int(level), "ratioBp": bp})
    graph_input = {"regionPrefix": typed["regionPrefix"], "effectiveFrom": typed["effectiveFrom"],
                   "label": typed["label"], "bSelfPayFirstBp": converted("bSelfPayFirstBp", percent_to_bp),
                   "premiumFen": converted("premiumFen", yuan_to_fen), "amounts": amounts, "fundRatios": ratios,
                   "confirmFarAhead": bool(typed["confirmFarAhead"])}
    return typed, graph_input, errors


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise FieldError(DATE_INVALID) from None


@staff_page
async def create(request: Request, principal: Principal) -> Response:
    typed, graph_input, errors = _read(await request.form())
    if errors:
        return await _page(request, principal, form=typed, errors=errors, status_code=400)
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="CreateVersion",
                         input=graph_input)
    result = data["createParameterVersion"]
    if result["__typename"] == "OperationError":
        field = result["field"] if result["field"] in typed else "form"
        far_ahead = result["code"] == "EFFECTIVE_DATE_FAR_AHEAD" or bool(typed["confirmFarAhead"])
        return await _page(request, principal, form=typed, errors={field: result["message"]},
                           ask_far_ahead=far_ahead, status_code=400)
    prefix = result["version"]["regionPrefix"]
    return RedirectResponse("/console/parameters?" + urlencode({"prefix": prefix}), status_code=303)


routes = [
    Route("/console/parameters", parameters_page, methods=["GET"]),
    Route("/console/parameters", create, methods=["POST"]),
]
