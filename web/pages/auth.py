"""Signing in and out (pages), bearer tokens (JSON), and the language switch."""

from __future__ import annotations

import json
from functools import partial

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from backend.domain.errors import N_, DomainError, ErrorCode
from backend.i18n import error_message, gettext
from backend.principals import Actor, Channel
from backend.services.people.accounts import record_sign_in, sign_in_with_password
from backend.services.platform import sessions
from web.pages.access import HOME
from web.rendering import LANG_COOKIE, render, request_locale
from web.security import client_address, principal_from_session, retry_after, sign_in, sign_out


async def home(request: Request) -> Response:
    principal = await principal_from_session(request.app.state.rt, request)
    return RedirectResponse(HOME.get(principal.kind, "/login"), status_code=303)


async def login_form(request: Request) -> Response:
    return render(request, "auth/login.html", username="", error=None)


async def login(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    try:
        principal = await to_thread.run_sync(sign_in_with_password, request.app.state.rt, username, password,
                                             client_address(request))
    except DomainError as refused:
        disabled = refused.code is ErrorCode.ACCOUNT_DISABLED
        response = render(request, "auth/login.html", status_code=403 if disabled else 429, username=username,
                          error=error_message(request_locale(request), refused))
        if not disabled:
            response.headers.update(retry_after(refused))
        return response
    if principal is None:
        return render(request, "auth/login.html", status_code=400, username=username,
                      error=gettext(request_locale(request),
                                    N_("The ID number, phone or username and password do not match.")))
    channel = Channel.WEB if principal.is_household else Channel.CONSOLE
    await sign_in(request, principal, channel)
    await to_thread.run_sync(record_sign_in, request.app.state.rt, Actor(principal, channel))
    return RedirectResponse(HOME[principal.kind], status_code=303)


async def logout(request: Request) -> Response:
    await sign_out(request)
    return RedirectResponse("/login", status_code=303)


async def token(request: Request) -> Response:
    """POST {"username", "password"} -> {"access_token", "token_type": "bearer"} for scripts and apps."""
    try:
        body = json.loads(await request.body())
        username, password = str(body["username"]), str(body["password"])
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"error": "invalid_request"}, status_code=400)
    try:
        principal = await to_thread.run_sync(sign_in_with_password, request.app.state.rt, username, password,
                                             client_address(request))
    except DomainError as refused:
        message = error_message(request_locale(request), refused)
        if refused.code is ErrorCode.ACCOUNT_DISABLED:
            return JSONResponse({"error": "account_disabled", "message": message}, status_code=403)
        return JSONResponse({"error": "too_many_attempts", "message": message}, status_code=429,
                            headers=retry_after(refused))
    if principal is None:
        return JSONResponse({"error": "invalid_grant"}, status_code=401)
    rt = request.app.state.rt
    await to_thread.run_sync(record_sign_in, rt, Actor(principal, Channel.GRAPHQL))
    ttl = rt.settings.access_token_ttl_seconds
    session = await to_thread.run_sync(partial(sessions.start, rt, principal, ttl_seconds=ttl, channel=Channel.GRAPHQL))
    access = request.app.state.signer.issue(session)
    return JSONResponse({"access_token": access, "token_type": "bearer", "expires_in": ttl})


async def switch_language(request: Request) -> Response:
    code = request.path_params["code"]
    back = request.headers.get("referer") or "/"
    response = RedirectResponse(back if back.startswith(str(request.base_url)) else "/", status_code=303)
    if code in ("zh_CN", "en"):
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


routes = [
    Route("/", home),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/auth/token", token, methods=["POST"]),
    Route("/lang/{code}", switch_language, methods=["GET"]),
]
