"""Which kind of signed-in caller a page serves; anyone else is sent to sign in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from backend.graph.core.gate import write_read_audit
from backend.graph.core.request_reads import RequestReads
from backend.principals import Principal, PrincipalKind
from web.security import principal_from_session

Page = Callable[[Request, Principal], Awaitable[Response]]

HOME = {PrincipalKind.HOUSEHOLD: "/family", PrincipalKind.STAFF: "/console", PrincipalKind.PARTNER: "/partner/checkout"}


def signed_in_as(kind: PrincipalKind, sign_in_at: str = "/login"):
    """Decorate a page `(request, principal)`: it runs only for a signed-in caller of this kind."""
    def decorate(page: Page) -> Callable[[Request], Awaitable[Response]]:
        @wraps(page)
        async def endpoint(request: Request) -> Response:
            rt = request.app.state.rt
            # The principal is read in the transaction the page's operations then share (`operations`).
            request.state.reads = RequestReads(rt.db)
            try:
                principal = await principal_from_session(rt, request, request.state.reads)
                if principal.kind is not kind:
                    # Signed in as someone else (staff opening a household page): their own home, not sign-in.
                    sign_in_at_ = HOME.get(principal.kind, sign_in_at)
                    if request.headers.get("hx-request") == "true":  # a partial swap would nest the sign-in page
                        return Response(status_code=200, headers={"HX-Redirect": sign_in_at_})
                    return RedirectResponse(sign_in_at_, status_code=303)
                return await page(request, principal)
            finally:
                context = getattr(request.state, "graph_context", None)
                request.state.reads.close()
                if context is not None:
                    await write_read_audit(context)

        return endpoint

    return decorate


household_page = signed_in_as(PrincipalKind.HOUSEHOLD)
staff_page = signed_in_as(PrincipalKind.STAFF)
partner_page = signed_in_as(PrincipalKind.PARTNER, "/partner/login")
