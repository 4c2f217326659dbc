"""Security headers on every response: the whole policy, in one place.

Pages carry no inline script or style (see static/app.js, static/app.css), so the content policy
allows only this origin, on every response. That includes GraphiQL (development only), whose
scripts, styles and fonts are vendored under static/vendor/graphiql/.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_PREFIX = "/static/"


def _policy(**directives: str) -> str:
    return "; ".join(f"{name.replace('_', '-')} {value}" for name, value in directives.items())


CONTENT_SECURITY_POLICY = _policy(
    default_src="'self'", script_src="'self'", style_src="'self'",
    # The QR code is inline <svg> markup and the favicon a file, so no data: images are needed.
    img_src="'self'",
    object_src="'none'", base_uri="'none'", form_action="'self'", frame_ancestors="'none'",
)

ALWAYS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: the language switch sends the reader back to the page named in Referer.
    "Referrer-Policy": "same-origin",
    # Partner scanners type the code like a keyboard, so no page needs the camera either.
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
# Pages, GraphQL answers, tokens and redirects may all carry personal data or a session's CSRF token.
NO_STORE = "no-store"
# Production is HTTPS only (the session cookie is Secure); a development server is plain HTTP.
HSTS = "max-age=31536000"


def headers_for(path: str, *, development: bool) -> dict[str, str]:
    headers = dict(ALWAYS)
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    if not path.startswith(STATIC_PREFIX):
        headers["Cache-Control"] = NO_STORE
    if not development:
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeadersMiddleware:
    """Sets the headers on every HTTP response start, whatever the inner app already set."""

    def __init__(self, app: ASGIApp, *, development: bool) -> None:
        self.app = app
        self.development = development

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"], development=self.development)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
