"""Monthly clearing (R16) on the staff console, and the statement (结算单) a partner prints.

`/console/clearing`: the batches; the chosen one's lines and deductions; forms to prepare a month (clerks),
deduct from a settlement, approve or reject (auditors), pay with the bank's reference (admins), and links
to the payout file and each institution's printable statement. Every form is a plain post that redirects
on success (post/redirect/get) and re-renders with the message beside its field (400) when refused; the
graph decides who may do what. `/partner/statement?month=` is the partner's own statement.
"""

from __future__ import annotations

import uuid

import anyio
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from backend.clock import CHINA
from backend.domain.clearing import Month
from backend.domain.errors import N_, DomainError, ErrorCode
from backend.graph.core.ids import from_global_id, to_global_id
from backend.i18n import error_message, gettext
from backend.principals import Actor, Channel, Principal
from backend.services.clearing import payout
from web import labels
from web.forms import FieldError, yuan_to_fen
from web.operations import execute
from web.pages.access import partner_page, staff_page
from web.rendering import render, request_locale

DOCUMENT = "console/clearing.graphql"
STATEMENT = "console/statement.graphql"
PAGE = "/console/clearing"
INSUTYPE = {"310": N_("Employee insurance"), "390": N_("Resident insurance")}
CLR_TYPE = {"11": N_("Outpatient"), "21": N_("Inpatient"), "41": N_("Pharmacy")}


def _batch_link(batch_id: str | None) -> str:
    return f"{PAGE}?batch={batch_id}" if batch_id else PAGE


async def _page(request: Request, principal: Principal, *, batch_id: str | None = None, form: dict | None = None,
                errors: dict | None = None, status_code: int = 200) -> Response:
    chosen = bool(batch_id and from_global_id(batch_id, "ClearingBatch"))
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation="ClearingPage",
                         batchId=batch_id if chosen else "", chosen=chosen)
    batches = data["clearingBatches"] or []
    batch = data.get("clearingBatch")
    if batch is None and batches and not chosen:  # the newest by default
        return await _page(request, principal, batch_id=batches[0]["id"], form=form, errors=errors,
                           status_code=status_code)
    return render(request, "console/clearing.html", status_code=status_code, me=data["viewer"], batches=batches,
                  batch=batch, form=form or {}, errors=errors or {}, labels=labels, insutype=INSUTYPE,
                  clr_type=CLR_TYPE)


@staff_page
async def clearing_page(request: Request, principal: Principal) -> Response:
    return await _page(request, principal, batch_id=request.query_params.get("batch"))


def _fields(form, *names: str) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in names}


async def _run(request: Request, principal: Principal, operation: str, form: dict[str, str],
               **variables) -> Response:
    data = await execute(request, principal, DOCUMENT, channel=Channel.CONSOLE, operation=operation, **variables)
    result = next(iter(data.values()))
    if result["__typename"] == "OperationError":
        field = result.get("field") or "form"
        return await _page(request, principal, batch_id=form.get("batchId") or None, form=form,
                           errors={field: result["message"]}, status_code=400)
    return RedirectResponse(_batch_link(result["batch"]["id"]), status_code=303)


@staff_page
async def prepare(request: Request, principal: Principal) -> Response:
    form = _fields(await request.form(), "month")
    return await _run(request, principal, "Prepare", form, month=form["month"])


def _settlement_id(text: str) -> str:
    """A settlement as staff type it: its id as the console shows it (a UUID) or its global id."""
    try:
        return to_global_id("Settlement", uuid.UUID(text))
    except ValueError:
        return text


@staff_page
async def deduct(request: Request, principal: Principal) -> Response:
    form = _fields(await request.form(), "batchId", "settlementId", "amount", "reason")
    try:
        amount = yuan_to_fen(form["amount"])
    except FieldError as refused:
        return await _page(request, principal, batch_id=form["batchId"], form=form,
                           errors={"amount": gettext(request_locale(request), refused.message)}, status_code=400)
    return await _run(request, principal, "Deduct", form, batchId=form["batchId"],
                      settlementId=_settlement_id(form["settlementId"]), amountFen=amount, reason=form["reason"])


@staff_page
async def approve(request: Request, principal: Principal) -> Response:
    form = _fields(await request.form(), "batchId")
    return await _run(request, principal, "Approve", form, batchId=form["batchId"])


@staff_page
async def reject(request: Request, principal: Principal) -> Response:
    form = _fields(await request.form(), "batchId", "reason")
    return await _run(request, principal, "Reject", form, batchId=form["batchId"], reason=form["reason"])


@staff_page
async def pay(request: Request, principal: Principal) -> Response:
    form = _fields(await request.form(), "batchId", "bankReference")
    return await _run(request, principal, "Pay", form, batchId=form["batchId"], bankReference=form["bankReference"])


@staff_page
async def payout_file(request: Request, principal: Principal) -> Response:
    """The bank's payout file (admins): CSV in UTF-8 or GB18030 with its control row."""
    decoded = from_global_id(request.query_params.get("batch", ""), "ClearingBatch")
    encoding = request.query_params.get("encoding", "utf-8")
    if decoded is None:
        return Response(status_code=404)
    rt = request.app.state.rt
    try:
        name, body = await _in_thread(payout.payout_file, rt, Actor(principal, Channel.CONSOLE), decoded[1], encoding)
    except DomainError as refused:
        status = 403 if refused.code is ErrorCode.NOT_ALLOWED else 400
        return Response(error_message(request_locale(request), refused), status_code=status,
                        media_type="text/plain; charset=utf-8")
    return Response(body, media_type=f"text/csv; charset={encoding}",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def _in_thread(function, *args):
    return await anyio.to_thread.run_sync(lambda: function(*args))


def _last_month(request: Request) -> Month:
    today = request.app.state.rt.clock.now().astimezone(CHINA).date()
    return Month(today.year - 1, 12) if today.month == 1 else Month(today.year, today.month - 1)


async def _statement(request: Request, principal: Principal, institution_id: str | None, back: str,
                     pick_month: bool = False) -> Response:
    month = request.query_params.get("month") or str(_last_month(request))
    try:
        Month.parse(month)
    except DomainError as refused:
        return render(request, "console/statement.html", status_code=400, me={"name": principal.name},
                      statement=None, month=month, error=error_message(request_locale(request), refused), back=back,
                      labels=labels, insutype=INSUTYPE, clr_type=CLR_TYPE, pick_month=pick_month)
    channel = Channel.CONSOLE if principal.is_staff else Channel.WEB
    data = await execute(request, principal, STATEMENT, channel=channel, month=month, institutionId=institution_id)
    return render(request, "console/statement.html", me=data["viewer"] or {"name": principal.name},
                  statement=data["clearingStatement"], month=month, error=None, back=back, labels=labels,
                  insutype=INSUTYPE, clr_type=CLR_TYPE, pick_month=pick_month)


@staff_page
async def staff_statement(request: Request, principal: Principal) -> Response:
    institution = request.query_params.get("institution", "")
    if from_global_id(institution, "Institution") is None:
        return Response(status_code=404)
    return await _statement(request, principal, institution, back=_batch_link(request.query_params.get("batch")))


@partner_page
async def partner_statement(request: Request, principal: Principal) -> Response:
    return await _statement(request, principal, None, back="/partner/checkout", pick_month=True)


routes = [
    Route(PAGE, clearing_page, methods=["GET"]),
    Route(f"{PAGE}/prepare", prepare, methods=["POST"]),
    Route(f"{PAGE}/deduct", deduct, methods=["POST"]),
    Route(f"{PAGE}/approve", approve, methods=["POST"]),
    Route(f"{PAGE}/reject", reject, methods=["POST"]),
    Route(f"{PAGE}/pay", pay, methods=["POST"]),
    Route(f"{PAGE}/payout.csv", payout_file, methods=["GET"]),
    Route(f"{PAGE}/statement", staff_statement, methods=["GET"]),
    Route("/partner/statement", partner_statement, methods=["GET"]),
]
