"""Changing one's own password (household members and staff): every other session and token ends."""

from __future__ import annotations

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from backend.domain.errors import N_, DomainError, ErrorCode
from backend.principals import Actor, Channel, Principal, PrincipalKind
from backend.services.people.accounts import change_password
from web import labels
from web.pages.access import HOME
from web.rendering import render
from web.security import principal_from_session, retry_after, sign_in

PAGE = "/account/password"
CONFIRM_DIFFERS = N_("The two new passwords are not the same.")
FIELDS = ("currentPassword", "newPassword", "confirmPassword")


def _page(request: Request, principal: Principal, *, errors: dict | None = None, changed: bool = False,
          status_code: int = 200) -> Response:
    me = {"name": principal.name, "role": (principal.role or "").upper()}
    return render(request, "auth/password.html", status_code=status_code, me=me, labels=labels,
                  staff=principal.is_staff, errors=errors or {}, changed=changed)


async def _signed_in(request: Request) -> Principal | Response:
    principal = await principal_from_session(request.app.state.rt, request)
    if principal.kind not in (PrincipalKind.HOUSEHOLD, PrincipalKind.STAFF):
        return RedirectResponse(HOME.get(principal.kind, "/login"), status_code=303)
    return principal


async def password_form(request: Request) -> Response:
    principal = await _signed_in(request)
    if isinstance(principal, Response):
        return principal
    return _page(request, principal, changed=request.query_params.get("changed") == "1")


async def password_change(request: Request) -> Response:
    principal = await _signed_in(request)
    if isinstance(principal, Response):
        return principal
    form = await request.form()
    current, new, confirm = (str(form.get(name, "")) for name in FIELDS)
    if new != confirm:
        return _page(request, principal, errors={"confirmPassword": (CONFIRM_DIFFERS, {})}, status_code=400)
    channel = Channel.CONSOLE if principal.is_staff else Channel.WEB
    try:
        await to_thread.run_sync(change_password, request.app.state.rt, Actor(principal, channel), current, new)
    except DomainError as refused:
        field = refused.field if refused.field in FIELDS else "currentPassword"
        too_many = refused.code is ErrorCode.TOO_MANY_ATTEMPTS
        response = _page(request, principal, errors={field: (refused.message_id, refused.params)},
                         status_code=429 if too_many else 400)
        if too_many:
            response.headers.update(retry_after(refused))
        return response
    # The change ended every session of this person, this browser's too: it gets a fresh one.
    await sign_in(request, principal, channel)
    return RedirectResponse(f"{PAGE}?changed=1", status_code=303)


routes = [
    Route(PAGE, password_form, methods=["GET"]),
    Route(PAGE, password_change, methods=["POST"]),
]
