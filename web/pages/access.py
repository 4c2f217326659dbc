"""Which kind of signed-in caller a page serves; anyone else is sent to sign in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from backend.principals import Principal, PrincipalKind
from web.security import principal_from_session

Page = Callable[[Request, Principal], Awaitable[Response]]


def signed_in_as(kind: PrincipalKind, sign_in_at: str = "/login"):
    """Decorate a page `(request, principal)`: it runs only for a signed-in caller of this kind."""
    def decorate(page: Page) -> Callable[[Request], Awaitable[Response]]:
        @wraps(page)
        async def endpoint(request: Request) -> Response:
            principal = await principal_from_session(request.app.state.rt, request)
            if principal.kind is not kind:
                if request.headers.get("hx-request") == "true":  # a partial swap would nest the sign-in page
                    return Response(status_code=200, headers={"HX-Redirect": sign_in_at})
                return RedirectResponse(sign_in_at, status_code=303)
            return await page(request, principal)

        return endpoint

    return decorate


household_page = signed_in_as(PrincipalKind.HOUSEHOLD)
staff_page = signed_in_as(PrincipalKind.STAFF)
partner_page = signed_in_as(PrincipalKind.PARTNER, "/partner/login")
