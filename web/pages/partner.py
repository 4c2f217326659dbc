"""Partner sandbox: a pharmacy or hospital signs in with its API key, resolves and settles a code, refunds.

Everything runs through the same graph operations a partner's own system calls (`resolveCode`,
`settle`, `refundSettlement`), in-process, as the signed-in institution.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from urllib.parse import urlencode

from anyio import to_thread
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from backend.clock import CHINA
from backend.domain.errors import N_, DomainError
from backend.domain.money import yuan
from backend.domain.settlement import MAX_LINES
from backend.principals import Actor, Channel, Principal
from backend.services.people.accounts import api_key_id, record_sign_in, sign_in_with_api_key
from web import labels
from web.forms import REQUIRED, FieldError, whole_quantity, yuan_to_fen
from web.operations import execute
from web.pages.access import partner_page
from web.pages.outcome import is_htmx
from web.rendering import render
from web.security import client_address, retry_after, sign_in

DOCUMENT = "partner/checkout.graphql"
LOGIN = "/partner/login"
CHECKOUT = "/partner/checkout"
STARTING_LINES = 2

VISIT_TYPES = {"PHARMACY": N_("Pharmacy"), "OUTPATIENT": N_("Outpatient"), "INPATIENT": N_("Inpatient")}
# The till's category is optional and only checked against the catalogue (R18): "" leaves it to the catalogue.
CATEGORIES = {"": N_("As the catalogue says"), "A": N_("Class A"), "B": N_("Class B"), "C": N_("Class C"),
              "NON_MEDICAL": N_("Non-medical")}
# The class a line was settled as.
CLASSES = {"A": N_("Class A"), "B": N_("Class B"), "C": N_("Class C"), "NON_MEDICAL": N_("Outside the catalogue")}

KEY_REFUSED = N_("This API key is not valid, or it has been revoked.")
CODE_REQUIRED = N_("Scan or paste the code.")
VISIT_INVALID = N_("Choose a visit type.")
DATE_INVALID = N_("Enter the service date as YYYY-MM-DD.")
CATEGORY_INVALID = N_("Choose a category.")

BLANK_LINE = {"itemCode": "", "name": "", "category": "", "nationalCode": "", "price": "", "quantity": "1"}
_LINE_FIELD = re.compile(r"line-(\d{1,3})-(itemCode|name|category|nationalCode|price|quantity)")


def _result_url(settlement_id: str) -> str:
    return f"{CHECKOUT}?{urlencode({'settlement': settlement_id})}#result"


# --- signing in ---------------------------------------------------------------------------------

async def login_form(request: Request) -> Response:
    return render(request, "partner/login.html", error=None)


async def login(request: Request) -> Response:
    form = await request.form()
    key = str(form.get("apiKey", "")).strip()
    rt = request.app.state.rt
    if not key:
        return render(request, "partner/login.html", status_code=400, error=REQUIRED)
    try:
        principal = await to_thread.run_sync(sign_in_with_api_key, rt, key, client_address(request))
    except DomainError as refused:
        response = render(request, "partner/login.html", status_code=429, error=refused.message_id,
                          error_params=refused.params)
        response.headers.update(retry_after(refused))
        return response
    key_id = principal and await to_thread.run_sync(api_key_id, rt, key)
    if key_id is None:  # refused, or revoked in the instant since
        return render(request, "partner/login.html", status_code=400, error=KEY_REFUSED)
    await sign_in(request, principal, Channel.WEB, api_key_id=key_id)
    await to_thread.run_sync(record_sign_in, rt, Actor(principal, Channel.WEB))
    return RedirectResponse(CHECKOUT, status_code=303)


# --- the checkout form --------------------------------------------------------------------------

def _today(request: Request) -> date:
    return request.app.state.rt.clock.now().astimezone(CHINA).date()


def _fresh_form(request: Request) -> dict:
    return {"code": "", "visitType": "PHARMACY", "serviceDate": _today(request).isoformat(),
            "idempotencyKey": uuid.uuid4().hex, "lines": [dict(BLANK_LINE) for _ in range(STARTING_LINES)]}


def _read_form(form: FormData) -> dict:
    rows: dict[int, dict] = {}
    for name, value in form.multi_items():
        match = _LINE_FIELD.fullmatch(name)
        if match:
            rows.setdefault(int(match[1]), dict(BLANK_LINE))[match[2]] = str(value)
    return {"code": str(form.get("code", "")).strip(), "visitType": str(form.get("visitType", "PHARMACY")),
            "serviceDate": str(form.get("serviceDate", "")).strip(),
            "idempotencyKey": str(form.get("idempotencyKey", "")).strip(),
            "lines": [rows[i] for i in sorted(rows)]}


def _blank(row: dict) -> bool:
    return not (row["itemCode"].strip() or row["name"].strip() or row["price"].strip())


def _bill_lines(rows: list[dict], errors: dict[str, str]) -> list[dict]:
    """The filled rows as BillLineInput values; each refusal goes in `errors` beside its field."""
    lines = []
    for i, row in enumerate(rows):
        if _blank(row):
            continue
        line = {"itemCode": row["itemCode"].strip(), "name": row["name"].strip()}
        for field in ("itemCode", "name"):
            if not line[field]:
                errors[f"line-{i}-{field}"] = REQUIRED
        if row["category"] not in CATEGORIES:
            errors[f"line-{i}-category"] = CATEGORY_INVALID
        elif row["category"]:
            line["category"] = row["category"]
        if row["nationalCode"].strip():
            line["nationalCode"] = row["nationalCode"].strip()
        for field, target, parse in (("price", "unitPriceFen", yuan_to_fen),
                                     ("quantity", "quantity", whole_quantity)):
            try:
                line[target] = parse(row[field])
            except FieldError as refused:
                errors[f"line-{i}-{field}"] = refused.message
        lines.append(line)
    return lines


def _error_key(error: dict) -> str:
    """Where a typed error from the graph is shown: beside the code, the lines, a field, or the form."""
    field = error.get("field") or ""
    if error["code"].startswith("CODE_") or field == "code":
        return "code"
    if field in ("lines", "lineNumbers"):
        return "lines"
    if field in ("serviceDate", "visitType"):
        return field
    return "form"


async def _recent(request: Request, principal: Principal) -> dict:
    return (await execute(request, principal, DOCUMENT, operation="CheckoutPage"))["viewer"]


async def _settlement(request: Request, principal: Principal, settlement_id: str) -> dict | None:
    data = await execute(request, principal, DOCUMENT, operation="ShowSettlement", id=settlement_id)
    node = data["node"]
    return node if node and node["__typename"] == "Settlement" else None


def _values(**values) -> dict:
    return {"labels": labels, "yuan": yuan, "new_key": lambda: uuid.uuid4().hex,
            "max_lines": MAX_LINES, "VISIT_TYPES": VISIT_TYPES, "CATEGORIES": CATEGORIES, "CLASSES": CLASSES,
            "SETTLEMENT_STATUS": labels.SETTLEMENT_STATUS, "errors": {}, "resolved": None, "result": None,
            "result_error": None, **values}


async def _page(request: Request, principal: Principal, *, form: dict, status_code: int = 200,
                me: dict | None = None, **values) -> Response:
    me = me or await _recent(request, principal)
    return render(request, "partner/page.html", status_code=status_code,
                  **_values(me=me, form=form, **values))


@partner_page
async def checkout_page(request: Request, principal) -> Response:
    wanted = request.query_params.get("settlement")
    me = await _recent(request, principal)  # first: a settlement just made is among these, read with them
    result = await _settlement(request, principal, wanted) if wanted else None
    return await _page(request, principal, form=_fresh_form(request), result=result, me=me)


@partner_page
async def new_line(request: Request, principal) -> Response:
    """htmx: one more blank bill line, and the add button again with the next index."""
    try:
        index = int(request.query_params.get("index", ""))
    except ValueError:
        return PlainTextResponse("index must be a number", status_code=400)
    if not 0 <= index < MAX_LINES:
        return PlainTextResponse(f"index must be 0 to {MAX_LINES - 1}", status_code=400)
    return render(request, "partner/_new_line.html", **_values(index=index, line=dict(BLANK_LINE)))


@partner_page
async def checkout(request: Request, principal) -> Response:
    """The checkout form's buttons: resolve the code, settle the bill, or (without JavaScript) add a line."""
    raw = await request.form()
    form = _read_form(raw)
    action = str(raw.get("action", ""))
    if action not in ("add_line", "resolve", "settle"):
        action = "resolve"  # what Enter does, and nothing is spent
    htmx = is_htmx(request)

    async def form_again(status_code: int = 200, **values) -> Response:
        if htmx:  # htmx swaps only a successful answer: refusals come back 200 and replace the form alone
            return render(request, "partner/_form.html", **_values(form=form, **values))
        return await _page(request, principal, form=form, status_code=status_code, **values)

    if action == "add_line":
        if len(form["lines"]) < MAX_LINES:
            form["lines"].append(dict(BLANK_LINE))
        return await form_again()

    errors: dict[str, str] = {}
    if not form["code"]:
        errors["code"] = CODE_REQUIRED
    if action == "resolve":
        if errors:
            return await form_again(400, errors=errors)
        data = await execute(request, principal, DOCUMENT, operation="Resolve", code=form["code"])
        resolved = data["resolveCode"]
        if resolved is None or resolved["__typename"] == "OperationError":
            message = resolved["message"] if resolved else N_("You may not see this.")
            return await form_again(400, errors={"code": message})
        return await form_again(resolved=resolved)

    if form["visitType"] not in VISIT_TYPES:
        errors["visitType"] = VISIT_INVALID
    try:
        service_date = date.fromisoformat(form["serviceDate"])
    except ValueError:
        errors["serviceDate"] = DATE_INVALID
    lines = _bill_lines(form["lines"], errors)
    if errors:
        return await form_again(400, errors=errors)
    settle_input = {"code": form["code"], "visitType": form["visitType"], "serviceDate": service_date.isoformat(),
                    "lines": lines, "idempotencyKey": form["idempotencyKey"]}
    data = await execute(request, principal, DOCUMENT, operation="Settle", input=settle_input)
    outcome = data["settle"]
    if outcome["__typename"] == "OperationError":
        if outcome.get("field") == "idempotencyKey":
            # The key settled a different bill before (or was tampered with): this form becomes a new checkout.
            form["idempotencyKey"] = uuid.uuid4().hex
        return await form_again(400, errors={_error_key(outcome): outcome["message"]})
    settled = outcome["settlement"]
    if not htmx:  # post/redirect/get: reloading the result page settles nothing
        return RedirectResponse(_result_url(settled["id"]), status_code=303)
    me = await _recent(request, principal)
    response = render(request, "partner/_settled.html", **_values(me=me, form=_fresh_form(request), result=settled))
    response.headers["HX-Reswap"] = "outerHTML show:#result:top"  # the result, not the fresh form, comes into view
    return response


@partner_page
async def refund(request: Request, principal) -> Response:
    """Refund a whole settlement, or one line of it, and show it again with its new status."""
    raw = await request.form()
    settlement_id = str(raw.get("settlementId", "")).strip()
    line_number = str(raw.get("lineNumber", "")).strip()
    refund_input: dict = {"settlementId": settlement_id, "idempotencyKey": str(raw.get("idempotencyKey", "")).strip()}
    if line_number:
        if not line_number.isdigit() or len(line_number) > 4:
            return PlainTextResponse("lineNumber must be a line number", status_code=400)
        refund_input["lineNumbers"] = [int(line_number)]
    data = await execute(request, principal, DOCUMENT, operation="Refund", input=refund_input)
    outcome = data["refundSettlement"]
    failed = outcome["__typename"] == "OperationError"
    htmx = is_htmx(request)
    if not failed and not htmx:
        return RedirectResponse(_result_url(settlement_id), status_code=303)
    result = outcome["settlement"] if not failed else await _settlement(request, principal, settlement_id)
    result_error = outcome["message"] if failed else None
    if not htmx:
        return await _page(request, principal, form=_fresh_form(request), status_code=400, result=result,
                           result_error=result_error)
    me = await _recent(request, principal)
    return render(request, "partner/_refunded.html", **_values(me=me, result=result, result_error=result_error))


routes = [
    Route(LOGIN, login_form, methods=["GET"]),
    Route(LOGIN, login, methods=["POST"]),
    Route(CHECKOUT, checkout_page, methods=["GET"]),
    Route(CHECKOUT, checkout, methods=["POST"]),
    Route(f"{CHECKOUT}/line", new_line, methods=["GET"]),
    Route("/partner/refund", refund, methods=["POST"]),
]
