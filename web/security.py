"""Sessions, bearer credentials and CSRF protection for page requests."""

from __future__ import annotations

import hmac
import secrets
import uuid
from urllib.parse import parse_qs

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.principals import ANONYMOUS, Principal, PrincipalKind
from backend.runtime import Runtime
from backend.services.accounts import authenticate_api_key, load_principal
from backend.services.credentials import API_KEY_PREFIX, TokenSigner

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Bearer-authenticated endpoints ignore cookies, so a forged cross-site request carries no authority.
CSRF_EXEMPT = ("/graphql", "/auth/token")


def csrf_token(session: dict) -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def sign_in(request: Request, principal: Principal) -> None:
    """A fresh session on every sign-in, so a planted session id is worth nothing."""
    request.session.clear()
    request.session["principal"] = {"k": principal.kind.value, "id": str(principal.id)}
    csrf_token(request.session)


def sign_out(request: Request) -> None:
    request.session.clear()


async def principal_from_session(rt: Runtime, request: Request) -> Principal:
    data = request.session.get("principal")
    if not data:
        return ANONYMOUS
    try:
        kind, pid = data["k"], uuid.UUID(data["id"])
    except (KeyError, ValueError):
        return ANONYMOUS
    return await to_thread.run_sync(load_principal, rt, kind, pid) or ANONYMOUS


async def principal_from_bearer(rt: Runtime, signer: TokenSigner, authorization: str | None) -> Principal:
    scheme, _, credential = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not credential:
        return ANONYMOUS
    credential = credential.strip()
    if credential.startswith(API_KEY_PREFIX):
        return await to_thread.run_sync(authenticate_api_key, rt, credential) or ANONYMOUS
    read = signer.read(credential)
    if read is None or read[0] not in (PrincipalKind.HOUSEHOLD, PrincipalKind.STAFF):
        return ANONYMOUS
    return await to_thread.run_sync(load_principal, rt, read[0], read[1]) or ANONYMOUS


class CSRFMiddleware:
    """Refuses an unsafe page request unless it carries the session's token (header or form field).

    htmx sends the header (set once on <body> with hx-headers); plain form posts send the field.
    Sits inside SessionMiddleware, so scope["session"] is there.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _UNSAFE or scope["path"].startswith(CSRF_EXEMPT):
            await self.app(scope, receive, send)
            return
        expected = scope.get("session", {}).get("csrf")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        supplied = headers.get(CSRF_HEADER)
        body = b""
        if supplied is None and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            body = await _read_body(receive)
            supplied = (parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD) or [None])[0]
        if not expected or not supplied or not hmac.compare_digest(expected.encode(), supplied.encode()):
            await PlainTextResponse("CSRF token missing or wrong. Reload the page and try again.",
                                    status_code=403)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive) if body else receive, send)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
