"""Sessions (server-side, revocable), bearer credentials and CSRF protection for page requests."""

from __future__ import annotations

import hmac
import secrets
from functools import partial
from urllib.parse import parse_qs

from anyio import to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.domain.errors import DomainError, ErrorCode
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
CSRF_EXEMPT = ("/graphql", "/auth/token", "/fhir/", "/hsa/")


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
    """The caller of a Bearer-authenticated endpoint: anonymous without an Authorization header; else an
    API key (counted when wrong) or a signed token.

    A credential that opens nothing raises DomainError UNAUTHENTICATED, the same for an unknown,
    revoked, expired or disabled one, so the answer tells a guesser nothing; too many wrong API keys
    raise TOO_MANY_ATTEMPTS (see `bearer_refusal`)."""
    if not authorization:
        return ANONYMOUS
    scheme, _, credential = authorization.partition(" ")
    credential = credential.strip()
    principal = None
    if scheme.lower() == "bearer" and credential.startswith(API_KEY_PREFIX):
        principal = await to_thread.run_sync(sign_in_with_api_key, rt, credential, address)
    elif scheme.lower() == "bearer" and (secret := signer.read(credential)) is not None:
        principal = await to_thread.run_sync(sessions.resolve, rt, secret)
        if principal is not None and principal.kind not in (PrincipalKind.HOUSEHOLD, PrincipalKind.STAFF):
            principal = None  # a partner's sandbox session is no bearer token
    if principal is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    return principal


def bearer_refusal(refused: DomainError) -> tuple[int, dict[str, str]]:
    """The HTTP status and headers for a refusal of `principal_from_bearer`: 429 with Retry-After for too
    many wrong keys, else 401 with the challenge RFC 6750 asks for."""
    if refused.code is ErrorCode.TOO_MANY_ATTEMPTS:
        return 429, retry_after(refused)
    return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class CSRFMiddleware:
    """Refuses an unsafe page request unless it carries the session's token (header or form field).

    htmx sends the header (set once on <body> with hx-headers); plain form posts send the field, in
    urlencoded or (a file upload without JavaScript) multipart bodies. A multipart body is read only up to
    its `csrf_token` part, which the forms put first, and never beyond `MULTIPART_TOKEN_WITHIN` bytes; what
    was read is handed on before the rest of the stream, so an upload is not held in memory.
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
        content_type = headers.get("content-type", "")
        read: list[Message] = []
        if supplied is None and content_type.startswith("application/x-www-form-urlencoded"):
            body = await _read_body(receive)
            read = [{"type": "http.request", "body": body, "more_body": False}]
            supplied = (parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD) or [None])[0]
        elif supplied is None and content_type.startswith("multipart/form-data"):
            supplied, read = await _multipart_token(content_type, receive)
        if not expected or not supplied or not hmac.compare_digest(expected.encode(), supplied.encode()):
            await PlainTextResponse("CSRF token missing or wrong. Reload the page and try again.",
                                    status_code=403)(scope, receive, send)
            return
        await self.app(scope, _replay(read, receive) if read else receive, send)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


MULTIPART_TOKEN_WITHIN = 64 * 1024


async def _multipart_token(content_type: str, receive: Receive) -> tuple[str | None, list[Message]]:
    """The `csrf_token` field of a multipart body, read from its start; and the messages read meanwhile."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        return None, []
    found: dict[str, bytes] = {}
    part: dict[str, bytes] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part["field"] = part.get("field", b"") + data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part["value"] = part.get("value", b"") + data[start:end]

    def on_header_end() -> None:
        if part.pop("field", b"").lower() == b"content-disposition":
            part["name"] = parse_options_header(part.get("value", b""))[1].get(b"name", b"")
        part.pop("value", None)

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.get("name") == CSRF_FIELD.encode():
            part["data"] = part.get("data", b"") + data[start:end]

    def on_part_end() -> None:
        if part.get("name") == CSRF_FIELD.encode():
            found["token"] = part.get("data", b"")
        part.clear()

    parser = MultipartParser(boundary, dict(on_header_field=on_header_field, on_header_value=on_header_value,
                                            on_header_end=on_header_end, on_part_data=on_part_data,
                                            on_part_end=on_part_end))
    read: list[Message] = []
    size = 0
    while "token" not in found and size < MULTIPART_TOKEN_WITHIN:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        try:
            parser.write(chunk)
        except MultipartParseError:
            break
        if not message.get("more_body"):
            break
    token = found.get("token")
    return (token.decode("utf-8", "replace") if token is not None else None), read


def _replay(read: list[Message], receive: Receive) -> Receive:
    """`receive` as it was before `read` was taken from it."""
    pending = list(read)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
