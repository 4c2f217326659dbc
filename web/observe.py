"""Around every HTTP request: its id (X-Request-ID in and out), one access log line, and the request metrics.

The access line and the metrics name the route template (`/people/{person_id}`), never the path or
query string, which may carry an ID number; a GraphQL request adds its operation name.
"""

from __future__ import annotations

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.observability import metrics, request_id

log = logging.getLogger("yibao.access")
UNMATCHED = "unmatched"
# Probes and scrapes come every few seconds: their access lines are DEBUG, so INFO logs show traffic.
QUIET_ROUTES = {"/healthz", "/readyz", "/metrics"}


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value.decode("latin-1")
    return None


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED


class RequestObservationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        info, token = request_id.begin(_incoming_id(scope))
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[request_id.HEADER] = info.id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route, method = route_template(scope), scope["method"]
            metrics.request_answered(route, method, status, seconds)
            log.log(logging.DEBUG if route in QUIET_ROUTES else logging.INFO, "%s %s %d", method, route, status,
                    extra={"route": route, "method": method, "status": status, "operation": info.operation,
                           "duration_ms": round(seconds * 1000, 1)})
            request_id.end(token)
