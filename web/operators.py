"""Endpoints for operators: /healthz (the process answers), /readyz (database reachable, migrations at
head) and /metrics (Prometheus text format, behind the METRICS_TOKEN bearer token)."""

from __future__ import annotations

import hmac
import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from backend.observability import metrics
from backend.storage.revision import current_revisions, head_revisions

log = logging.getLogger(__name__)


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    head = head_revisions()
    try:
        current = await run_in_threadpool(current_revisions, request.app.state.rt.db)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database means "not ready"
        log.warning("readyz: database unreachable: %s", exc.__class__.__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    if current != head:
        return JSONResponse({"status": "unavailable", "database": "reachable", "migrations": "not at head",
                             "current": sorted(current), "head": sorted(head)}, status_code=503)
    return JSONResponse({"status": "ok", "database": "reachable", "migrations": "at head", "head": sorted(head)})


def _bearer_matches(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


async def metrics_endpoint(request: Request) -> Response:
    token = request.app.state.rt.settings.metrics_token
    if not token:  # not configured: as if there were no such page
        return PlainTextResponse("Not Found", status_code=404)
    if not _bearer_matches(request.headers.get("authorization"), token):
        return PlainTextResponse("Unauthorized", status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    body, content_type = await run_in_threadpool(metrics.exposition)
    return Response(body, media_type=content_type)


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics_endpoint, methods=["GET"]),
]
