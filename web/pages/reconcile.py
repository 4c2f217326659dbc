"""Partner sandbox: reconcile past days against the service (R17): totals (3201) and a detail file (3202),
whose result can be downloaded as CSV.

Everything runs through the graph's `reconcileTotals` and `reconcileDetails`, in-process, as the signed-in
institution; the page reads its own figures only, as the graph does.
"""

from __future__ import annotations

from datetime import date, timedelta

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.clock import CHINA
from backend.domain.errors import N_
from backend.domain.money import yuan
from web import labels
from web.forms import REQUIRED, FieldError, yuan_to_fen
from web.operations import execute
from web.pages.access import partner_page
from web.pages.outcome import is_htmx
from web.rendering import render

PAGE = "/partner/reconcile"
DETAILS = f"{PAGE}/details"  # uploads: the larger body limit applies under this path
DOCUMENT = "partner/reconcile.graphql"
DATE_INVALID = N_("Enter the day as YYYY-MM-DD.")
COUNT_INVALID = N_("The number of settlements is a whole number, 0 or more.")
INSURANCE_TYPES = ("EMPLOYEE", "RESIDENT")
CLEARING_TYPES = {"OUTPATIENT": "11", "INPATIENT": "21", "PHARMACY": "41"}
DIFFERENCES = {"bill": N_("bill"), "fund": N_("fund"), "account": N_("personal accounts"),
               "refunded": N_("refunded")}
FIELDS = ("first", "last", "insuranceType", "visitType", "count", "bill", "fund", "account")


def _yesterday(request: Request) -> date:
    return request.app.state.rt.clock.now().astimezone(CHINA).date() - timedelta(days=1)


def _fresh(request: Request) -> dict:
    day = _yesterday(request).isoformat()
    return {"first": day, "last": day, "insuranceType": "EMPLOYEE", "visitType": "PHARMACY", "count": "",
            "bill": "", "fund": "", "account": "", "includeRefunds": True}


def _values(**values) -> dict:
    return {"labels": labels, "yuan": yuan, "INSURANCE_TYPES": INSURANCE_TYPES, "CLEARING_TYPES": CLEARING_TYPES,
            "DIFFERENCES": DIFFERENCES, "errors": {}, "totals": None, "details": None, "rejected": None, **values}


async def _page(request: Request, principal, *, status_code: int = 200, **values) -> Response:
    me = (await execute(request, principal, DOCUMENT, operation="ReconcilePage"))["viewer"]
    values.setdefault("totals_form", _fresh(request))
    values.setdefault("details_form", {"first": values["totals_form"]["first"],
                                       "last": values["totals_form"]["last"], "encoding": ""})
    return render(request, "partner/reconcile.html", status_code=status_code, **_values(me=me, **values))


@partner_page
async def page(request: Request, principal) -> Response:
    return await _page(request, principal)


def _day(text: str, key: str, errors: dict) -> str | None:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        errors[key] = REQUIRED if not text else DATE_INVALID
        return None


def _signed_fen(text: str) -> int:
    """Yuan to fen; with refunds included a day's totals may be below zero."""
    text = text.strip()
    return -yuan_to_fen(text[1:]) if text.startswith("-") else yuan_to_fen(text)


def _totals_input(form: dict, errors: dict) -> dict:
    values = {"first": _day(form["first"], "first", errors), "last": _day(form["last"], "last", errors),
              "includeRefunds": form["includeRefunds"]}
    if form["insuranceType"] not in INSURANCE_TYPES:
        errors["insuranceType"] = REQUIRED
    if form["visitType"] not in CLEARING_TYPES:
        errors["visitType"] = REQUIRED
    values.update(insuranceType=form["insuranceType"], visitType=form["visitType"])
    count = form["count"].strip()
    if count.isdigit() and len(count) < 10:
        values["count"] = int(count)
    else:
        errors["count"] = REQUIRED if not count else COUNT_INVALID
    for field, target in (("bill", "billFen"), ("fund", "fundFen"), ("account", "accountFen")):
        try:
            values[target] = _signed_fen(form[field])
        except FieldError as refused:
            errors[field] = refused.message
    return values


@partner_page
async def totals(request: Request, principal) -> Response:
    raw = await request.form()
    form = {name: str(raw.get(name, "")).strip() for name in FIELDS}
    form["includeRefunds"] = raw.get("includeRefunds") == "on"
    errors: dict[str, str] = {}
    values = _totals_input(form, errors)
    htmx = is_htmx(request)
    result = None
    if not errors:
        result = (await execute(request, principal, DOCUMENT, operation="Totals", input=values))["reconcileTotals"]
        if result["__typename"] == "OperationError":
            errors[result.get("field") if result.get("field") in FIELDS else "totals"] = result["message"]
            result = None
    status = 200 if htmx or not errors else 400
    if htmx:
        return render(request, "partner/_reconcile_totals.html", status_code=status,
                      **_values(totals_form=form, totals=result, errors=errors))
    return await _page(request, principal, status_code=status, totals_form=form, totals=result, errors=errors)


async def _details_request(request: Request, principal, operation: str):
    """The detail form read and sent to the graph: (form, errors, answer or None)."""
    raw = await request.form()
    form = {"first": str(raw.get("first", "")).strip(), "last": str(raw.get("last", "")).strip(),
            "encoding": str(raw.get("encoding", "")).strip()}
    errors: dict[str, str] = {}
    first, last = _day(form["first"], "detail-first", errors), _day(form["last"], "detail-last", errors)
    file = raw.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        errors["file"] = REQUIRED
    if errors:
        return form, errors, None
    answer = (await execute(request, principal, DOCUMENT, operation=operation, first=first, last=last, file=file,
                            encoding=form["encoding"] or None))["reconcileDetails"]
    if answer["__typename"] == "OperationError":
        field = {"first": "detail-first", "last": "detail-last", "encoding": "encoding"}.get(answer.get("field"), "file")
        errors[field] = answer["message"]
        return form, errors, None
    if answer["__typename"] == "ReconcileFileRejected":
        errors["file"] = answer["message"]
    return form, errors, answer


@partner_page
async def details(request: Request, principal) -> Response:
    form, errors, answer = await _details_request(request, principal, "Details")
    rejected = answer if answer and answer["__typename"] == "ReconcileFileRejected" else None
    result = answer if answer and answer["__typename"] == "ReconcileDetails" else None
    htmx = is_htmx(request)
    status = 200 if htmx or not errors else 400
    values = dict(details_form=form, details=result, rejected=rejected, errors=errors)
    if htmx:
        return render(request, "partner/_reconcile_details.html", status_code=status, **_values(**values))
    return await _page(request, principal, status_code=status, **values)


@partner_page
async def details_file(request: Request, principal) -> Response:
    """The result file of the same upload, as a CSV download (a plain form post, not htmx)."""
    form, errors, answer = await _details_request(request, principal, "DetailsFile")
    if answer is None or answer["__typename"] != "ReconcileDetails":
        rejected = answer if answer and answer["__typename"] == "ReconcileFileRejected" else None
        return await _page(request, principal, status_code=400, details_form=form, rejected=rejected, errors=errors)
    name = f"reconcile-{form['first']}-{form['last']}.csv"
    # A byte-order mark, so spreadsheet programs read it as UTF-8.
    return Response("\ufeff" + answer["csv"], media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


routes = [
    Route(PAGE, page, methods=["GET"]),
    Route(f"{PAGE}/totals", totals, methods=["POST"]),
    Route(DETAILS, details, methods=["POST"]),
    Route(f"{DETAILS}.csv", details_file, methods=["POST"]),
]
