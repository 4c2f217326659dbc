"""What a page answers after a form post ran a mutation: the same for every page.

A refusal re-renders the section with the message beside the field (400 for a plain post, so the
browser does not cache it as a success); success redirects a plain post (post/redirect/get) and
re-renders the section for htmx.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def after_mutation(request: Request, result: dict[str, Any], *, rerender: Callable[..., Awaitable[Response]],
                         back_to: str, error_key: str, **on_success: Any) -> Response:
    htmx = is_htmx(request)
    if result["__typename"] == "OperationError":
        return await rerender(errors={error_key: result["message"]}, partial=htmx, status_code=200 if htmx else 400)
    if not htmx:
        return RedirectResponse(back_to, status_code=303)
    return await rerender(partial=True, **on_success)
