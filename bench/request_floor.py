"""What one request costs in CPU, layer by layer, in-process on PostgreSQL: the floor under `settle`.

    .venv/bin/python bench/request_floor.py [--rounds 3] [--requests 300]

Drives the app of `bench/settle.py` (same database set-up, same partner key) through httpx's ASGI
transport in one process and prints CPU milliseconds per request (the client's share included) for:
`GET /healthz` (HTTP and the middleware only), `{ __typename }` anonymous (adds GraphQL), the same with
the partner's API key (adds authentication), `settle` through /graphql, and the same use case through
the plain JSON endpoint. The differences between lines say what each layer costs; `settle`'s rate can
reach at most what the sum of these costs allows (docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import settle  # noqa: E402


async def measure(rounds: int, requests: int) -> dict[str, list[float]]:
    settle.fresh_database()
    rt, key, code_lists = settle.setup(2, rounds * requests + 20)
    rt.db.dispose()
    app = settle.bench_app()
    bearer = {"Authorization": f"Bearer {key}"}
    used = [0, 0]

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        async def healthz() -> None:
            assert (await client.get("/healthz")).status_code == 200

        async def typename(headers: dict) -> None:
            response = await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
            assert response.status_code == 200 and not response.json().get("errors"), response.text

        async def settle_graph() -> None:
            n, used[0] = used[0], used[0] + 1
            data = settle._settle_input(code_lists[0][n], 0, n)
            body = (await client.post("/graphql", json={"query": settle.SETTLE, "variables": {"input": data}},
                                      headers=bearer)).json()
            assert body["data"]["settle"]["__typename"] == "SettlementPayload", body

        async def settle_json() -> None:
            n, used[1] = used[1], used[1] + 1
            response = await client.post("/bench/settle", json=settle._settle_input(code_lists[1][n], 1, n),
                                         headers=bearer)
            assert response.status_code == 200, response.text

        cases = {"GET /healthz": healthz,
                 "{ __typename }, anonymous": lambda: typename({}),
                 "{ __typename }, partner API key": lambda: typename(bearer),
                 "settle through /graphql": settle_graph,
                 "settle, plain JSON endpoint": settle_json}
        for case in cases.values():  # warm: documents parsed, statements prepared
            for _ in range(10):
                await case()
        figures: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):  # the cases alternate, so a busy moment touches each of them
            for name, case in cases.items():
                started = time.process_time()
                for _ in range(requests):
                    await case()
                figures[name].append((time.process_time() - started) * 1000 / requests)
    return figures


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    figures = asyncio.run(measure(args.rounds, args.requests))
    print(f"CPU per request, in-process, PostgreSQL, client included ({args.rounds} rounds of {args.requests}):")
    for name, values in figures.items():
        print(f"  {name:<34} " + ", ".join(f"{v:5.2f} ms" for v in values))
    return figures


if __name__ == "__main__":
    main()
