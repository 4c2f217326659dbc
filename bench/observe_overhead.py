"""What the operators' layer costs a request: the request id, the JSON access line and the metrics.

Drives the app in-process (ASGI, no network) with one small GraphQL query and GET /healthz, through
the whole app and, as the baseline in the same run, through the same app without the observation
middleware (no request id, no access line, no request metrics). The access lines are written as JSON
at INFO to /dev/null, as `yibao serve` would write them to stderr.

    .venv/bin/python bench/observe_overhead.py [--requests 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from starlette.applications import Starlette  # noqa: E402

from backend.config import Settings  # noqa: E402
from backend.observability import logs  # noqa: E402
from backend.runtime import Runtime  # noqa: E402
from backend.storage.db import Database  # noqa: E402
from web.app import create_app  # noqa: E402
from web.headers import SecurityHeadersMiddleware  # noqa: E402

QUERY = {"query": "query Bench { __typename }"}


async def _rate(app, method: str, path: str, n: int) -> float:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        send = (lambda: client.post(path, json=QUERY)) if method == "POST" else (lambda: client.get(path))
        for _ in range(50):  # warm up caches (parser, validation, route matching)
            await send()
        started = time.perf_counter()
        for _ in range(n):
            response = await send()
            assert response.status_code == 200, response.text
        return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="yibao-bench-observe-")
    url = f"sqlite:///{folder}/bench.db"
    from backend.cli import migrate

    os.environ["DATABASE_URL"] = url
    migrate(None)
    logging.getLogger().handlers.clear()  # alembic's logging setup; only the app's JSON handler stays
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the bench client's own lines are not the app's
    settings = Settings(database_url=url, secret_key="bench", yibao_env="production")
    app = create_app(Runtime(db=Database.from_url(url), settings=settings))
    # The same app without the observation middleware: what App.build_middleware_stack wraps.
    stack = SecurityHeadersMiddleware(Starlette.build_middleware_stack(app), development=False)

    async def bare(scope, receive, send):
        scope["app"] = app  # what Starlette.__call__ does before its middleware stack
        await stack(scope, receive, send)

    with open(os.devnull, "w") as sink:
        handler = logs.configure("INFO", sink)
        print(f"{args.requests} requests each in {args.rounds} alternating rounds (medians), in-process (ASGI), "
              f"JSON access lines at INFO to /dev/null; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"{'request':<28}{'observed req/s':>16}{'baseline req/s':>16}{'overhead µs/req':>18}")
        for method, path in (("POST", "/graphql"), ("GET", "/healthz")):
            # Alternating rounds, median of each: a busy machine slows both sides alike.
            rounds = [(asyncio.run(_rate(app, method, path, args.requests // args.rounds)),
                       asyncio.run(_rate(bare, method, path, args.requests // args.rounds))) for _ in range(args.rounds)]
            observed = statistics.median(r[0] for r in rounds)
            baseline = statistics.median(r[1] for r in rounds)
            overhead = (1 / observed - 1 / baseline) * 1e6
            print(f"{method + ' ' + path:<28}{observed:>16.0f}{baseline:>16.0f}{overhead:>18.1f}")
        logs.remove(handler)


if __name__ == "__main__":
    main()
