"""What the admin pages (partners, staff users) share: reading a form, and answering after a mutation.

Every action takes a reason. A refusal comes back beside the field it names (400 for a plain post, 200
for htmx); a success re-renders the section for htmx and redirects a plain post, except when the
answer carries something shown once (a new API key), which is rendered at once and never stored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from backend.domain.errors import DomainError, ErrorCode
from backend.i18n import error_message
from web.pages.outcome import is_htmx
from web.rendering import request_locale

Rerender = Callable[..., Awaitable[Response]]


def fields(form: FormData, *names: str) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in names}


def choice_error(request: Request, value: str, allowed: tuple[str, ...], field: str) -> dict[str, str]:
    """A select's value the graph's enum would not take: refused here, beside its field."""
    if value in allowed:
        return {}
    return {field: error_message(request_locale(request), DomainError(ErrorCode.INVALID_INPUT, field=field))}


def refusal(result: dict[str, Any], error_key: str | None = None) -> dict[str, str] | None:
    """The errors to show for an OperationError answer: under `error_key` (a one-field form, such as a
    row's reason), else under the field it names, else under "form"."""
    if result["__typename"] != "OperationError":
        return None
    return {error_key or result.get("field") or "form": result["message"]}


async def refused(request: Request, errors: dict[str, str], rerender: Rerender, **values: Any) -> Response:
    htmx = is_htmx(request)
    return await rerender(errors=errors, partial=htmx, status_code=200 if htmx else 400, **values)


async def answered(request: Request, result: dict[str, Any], rerender: Rerender, *, back_to: str,
                   error_key: str | None = None, shown_once: dict[str, Any] | None = None, **values: Any) -> Response:
    errors = refusal(result, error_key)
    if errors:
        return await refused(request, errors, rerender, **values)
    if shown_once is not None:  # a plaintext key: this answer is the only place it ever appears
        return await rerender(partial=is_htmx(request), shown_once=shown_once)
    if not is_htmx(request):
        return RedirectResponse(back_to, status_code=303)
    return await rerender(partial=True)
