"""Sessions (server-side, revocable), bearer credentials and CSRF protection for page requests."""

from __future__ import annotations

import hmac
import secrets
from functools import partial
from urllib.parse import parse_qs

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.domain.errors import DomainError
from backend.graph.core.request_reads import RequestReads
from backend.principals import ANONYMOUS, Channel, Principal, PrincipalKind
from backend.runtime import Runtime
from backend.services.people.accounts import sign_in_with_api_key
from backend.services.platform import sessions
from backend.services.platform.credentials import API_KEY_PREFIX, TokenSigner

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Bearer-authenticated endpoints ignore cookies, so a forged cross-site request carries no authority.
CSRF_EXEMPT = ("/graphql", "/auth/token", "/fhir/")


def csrf_token(session: dict) -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def client_address(request: Request) -> str:
    """The peer address, or the client a trusted proxy names (FORWARDED_ALLOW_IPS, applied in web.app)."""
    return request.client.host if request.client else "unknown"


def retry_after(refused: DomainError) -> dict[str, str]:
    """The Retry-After header for a TOO_MANY_ATTEMPTS refusal."""
    return {"Retry-After": str(refused.params.get("retry_after", 60))}


async def sign_in(request: Request, principal: Principal, channel: Channel, api_key_id=None) -> None:
    """A fresh server-side session on every sign-in, so a planted or copied cookie is worth nothing. A
    partner's session carries the key it signed in with and ends when that key stops working."""
    rt: Runtime = request.app.state.rt
    await sign_out(request)
    secret = await to_thread.run_sync(
        partial(sessions.start, rt, principal, ttl_seconds=rt.settings.session_max_age_seconds, channel=channel,
                api_key_id=api_key_id))
    request.session["sid"] = secret
    csrf_token(request.session)


async def sign_out(request: Request) -> None:
    secret = request.session.get("sid")
    if isinstance(secret, str):
        await to_thread.run_sync(sessions.end, request.app.state.rt, secret)
    request.session.clear()


async def principal_from_session(rt: Runtime, request: Request, reads: RequestReads | None = None) -> Principal:
    """The session's principal; read in `reads` when given (a page's one read transaction)."""
    secret = request.session.get("sid")
    principal = ANONYMOUS
    if isinstance(secret, str):
        if reads is None:
            principal = await to_thread.run_sync(sessions.resolve, rt, secret) or ANONYMOUS
        else:
            principal = sessions.resolve_in(await reads.session(), secret, rt.clock.now()) or ANONYMOUS
    request.state.principal = principal  # templates read the caller's display preferences from it
    return principal


async def principal_from_bearer(rt: Runtime, signer: TokenSigner, authorization: str | None, address: str) -> Principal:
    """An API key (counted when wrong: DomainError TOO_MANY_ATTEMPTS over the limit) or a signed token."""
    scheme, _, credential = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not credential:
        return ANONYMOUS
    credential = credential.strip()
    if credential.startswith(API_KEY_PREFIX):
        return await to_thread.run_sync(sign_in_with_api_key, rt, credential, address) or ANONYMOUS
    secret = signer.read(credential)
    if secret is None:
        return ANONYMOUS
    principal = await to_thread.run_sync(sessions.resolve, rt, secret) or ANONYMOUS
    return principal if principal.kind in (PrincipalKind.HOUSEHOLD, PrincipalKind.STAFF) else ANONYMOUS


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
