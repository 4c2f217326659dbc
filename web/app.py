"""The ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from anyio import to_thread
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from backend.config import get_settings
from backend.graph.schema import build_schema
from backend.observability import logs
from backend.runtime import Runtime
from backend.services.platform.credentials import TokenSigner
from backend.services.roster import roster
from web import operators
from web.body_limit import BodyLimitMiddleware
from web.fhir.routes import routes as fhir_routes
from web.graphql_view import GraphQLView
from web.headers import SecurityHeadersMiddleware
from web.observe import RequestObservationMiddleware
from web.pages import (
    auth,
    bindings,
    catalogue,
    codes,
    console,
    dashboard,
    family,
    grants,
    imports,
    limits,
    parameters,
    partner,
    partner_mappings,
    partners,
    password,
    people,
    preferences,
    settlements,
    staff_users,
    statement,
)
from web.security import CSRFMiddleware

STATIC = Path(__file__).resolve().parent.parent / "static"


class App(Starlette):
    """Starlette with the request id and the security headers outermost, so even its own 500 page
    carries them (and is counted and logged).

    Middleware given to Starlette sits inside its ServerErrorMiddleware, which sends the 500 page
    past every other layer.
    """

    def __init__(self, *, development: bool, **kwargs: Any) -> None:
        self.development = development
        super().__init__(**kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        return RequestObservationMiddleware(
            SecurityHeadersMiddleware(super().build_middleware_stack(), development=self.development))


def create_app(rt: Runtime | None = None) -> Starlette:
    rt = rt or Runtime.from_settings()
    settings = rt.settings
    secret = settings.resolved_secret_key()
    schema = build_schema(settings)
    app = App(
        development=settings.development,
        lifespan=_lifespan(rt),
        routes=[
            Route("/graphql", GraphQLView(schema, development=settings.development), methods=["GET", "POST"]),
            *operators.routes,
            *auth.routes,
            *password.routes,
            *family.routes,
            *dashboard.routes,
            *console.routes,
            *people.routes,
            *parameters.routes,
            *limits.routes,
            *partners.routes,
            *staff_users.routes,
            *imports.routes,
            *catalogue.routes,
            *partner_mappings.routes,
            *codes.routes,
            *bindings.routes,
            *grants.routes,
            *partner.routes,
            *settlements.routes,
            *fhir_routes,
            *preferences.routes,
            *statement.routes,
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[
            *_proxy_headers(settings.forwarded_allow_ips),
            # Outside the CSRF check, which reads form bodies itself.
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       larger={imports.UPLOAD_PATH: settings.max_upload_bytes}),
            Middleware(SessionMiddleware, secret_key=secret, session_cookie="yibao_session",
                       max_age=settings.session_max_age_seconds, same_site="lax",
                       https_only=not settings.development),
            Middleware(CSRFMiddleware),
        ],
    )
    app.state.rt = rt
    app.state.schema = schema
    app.state.signer = TokenSigner(secret, settings.access_token_ttl_seconds)
    return app


def _lifespan(rt: Runtime):
    """At start-up: roster imports whose process is gone (the service stopped mid-way) are marked
    interrupted, so staff know to upload the file again."""

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await to_thread.run_sync(roster.interrupt_abandoned, rt)
        yield

    return lifespan


def serve_app() -> Starlette:
    """What `yibao serve` runs in each worker process: JSON logs at LOG_LEVEL, then the app."""
    logs.configure(get_settings().log_level)
    return create_app()


def _proxy_headers(trusted: str) -> list[Middleware]:
    """Believe X-Forwarded-For/-Proto only from the configured proxies, whatever server runs the app
    (uvicorn's own handling trusts 127.0.0.1 unless told otherwise)."""
    return [Middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)] if trusted.strip() else []
