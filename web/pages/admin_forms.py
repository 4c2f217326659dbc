"""What the admin pages (partners, staff users) share: reading a form, paging a list, asking before an
action that cannot be undone, and answering after a mutation.

Every action takes a reason. A refusal comes back beside the field it names (400 for a plain post, 200
for htmx); a success re-renders the section for htmx and redirects a plain post, with a notice saying
what happened (kept in the session across the redirect), except when the answer carries something shown
once (a new API key), which is rendered at once and never stored.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.text import clean_reason
from backend.graph.core.pagination import cursor_at
from backend.i18n import error_message
from backend.principals import Channel
from web.operations import execute
from web.pages.outcome import is_htmx
from web.rendering import request_locale

Rerender = Callable[..., Awaitable[Response]]
PAGE_SIZE = 20
NOTICE = "notice"


def fields(form: FormData, *names: str) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in names}


def choice_error(request: Request, value: str, allowed: tuple[str, ...], field: str) -> dict[str, str]:
    """A select's value the graph's enum would not take: refused here, beside its field."""
    if value in allowed:
        return {}
    return {field: error_message(request_locale(request), DomainError(ErrorCode.INVALID_INPUT, field=field))}


# --- pages of a list ------------------------------------------------------------------------------

def page_number(raw: str | None) -> int:
    """`?page=` (or a form's `page` field), from 1; anything else is the first page."""
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 1_000_000 else 1


def page_window(number: int) -> dict[str, Any]:
    """The connection arguments for page `number`."""
    offset = (number - 1) * PAGE_SIZE
    return {"first": PAGE_SIZE, "after": cursor_at(offset - 1) if offset else None}


@dataclass(frozen=True)
class Pages:
    number: int
    count: int
    total: int

    @classmethod
    def of(cls, connection: dict[str, Any], number: int) -> Pages:
        total = connection["totalCount"]
        return cls(number, max(1, math.ceil(total / PAGE_SIZE)), total)

    def link(self, path: str, number: int | None = None) -> str:
        return page_link(path, self.number if number is None else number)


def page_link(path: str, number: int) -> str:
    return path if number == 1 else f"{path}?page={number}"


# --- answers --------------------------------------------------------------------------------------

def refusal(result: dict[str, Any], error_key: str | None = None) -> dict[str, str] | None:
    """The errors to show for an OperationError answer: under `error_key` (a one-field form, such as a
    row's reason), else under the field it names, else under "form"."""
    if result["__typename"] != "OperationError":
        return None
    return {error_key or result.get("field") or "form": result["message"]}


async def refused(request: Request, errors: dict[str, str], rerender: Rerender, **values: Any) -> Response:
    htmx = is_htmx(request)
    return await rerender(errors=errors, partial=htmx, status_code=200 if htmx else 400, **values)


async def ask_first(request: Request, action: str, form: dict[str, str], rerender: Rerender) -> Response:
    """The first post of an action that cannot be taken back (revoke, rotate, disable): nothing is
    written, and the section comes back with a dialog that names what will happen and posts again with
    `confirmed=yes`. A plain post gets the whole page, so it works without JavaScript."""
    try:
        reason = clean_reason(form["reason"])
    except DomainError as error:  # asked beside the row at once, not after the confirmation
        return await refused(request, {form["id"]: error_message(request_locale(request), error)}, rerender)
    return await rerender(partial=is_htmx(request), confirm={"action": action, "id": form["id"], "reason": reason})


def take_notice(request: Request) -> dict[str, Any] | None:
    """What the last action did, left by `answered` for the page a plain post was redirected to."""
    return request.session.pop(NOTICE, None)


async def answered(request: Request, result: dict[str, Any], rerender: Rerender, *, back_to: str,
                   error_key: str | None = None, shown_once: dict[str, Any] | None = None,
                   notice: dict[str, Any] | None = None, **values: Any) -> Response:
    errors = refusal(result, error_key)
    if errors:
        return await refused(request, errors, rerender, **values)
    if shown_once is not None:  # a plaintext key: this answer is the only place it ever appears
        return await rerender(partial=is_htmx(request), shown_once=shown_once)
    if not is_htmx(request):
        if notice is not None:
            request.session[NOTICE] = notice
        return RedirectResponse(back_to, status_code=303)
    return await rerender(partial=True, notice=notice)


Outcome = Callable[[dict[str, Any]], dict[str, Any] | None]


async def act_on_row(request: Request, principal: Any, render: Callable[..., Awaitable[Response]], *, document: str,
                     page: str, action: str, operation: str, asks_first: bool, notice: Outcome,
                     shown_once: Outcome | None = None) -> Response:
    """One action on one row of an admin list (a partner, a key, a staff user): the form carries its id,
    the reason and the list's page. An action that cannot be undone asks first; a refusal is shown
    beside the reason of the form that was sent, found by the id it acted on; `notice` and `shown_once`
    make what a success shows from the mutation's answer."""
    form = fields(await request.form(), "id", "reason", "confirmed", "page")
    number = page_number(form["page"])
    rerender = partial(render, request, principal, number=number)
    if asks_first and form["confirmed"] != "yes":
        return await ask_first(request, action, form, rerender)
    data = await execute(request, principal, document, channel=Channel.CONSOLE, operation=operation,
                         id=form["id"], reason=form["reason"])
    result = next(iter(data.values()))
    done = result["__typename"] != "OperationError"
    return await answered(request, result, rerender, back_to=page_link(page, number), error_key=form["id"],
                          shown_once=shown_once(result) if shown_once and done else None,
                          notice=notice(result) if done else None)
