"""Household and partner pages in-process: SQL statements and milliseconds per request.

Signs in as the demo father (household pages) and the demo pharmacy (its checkout), then asks each
page ROUNDS times through Starlette's TestClient and prints statements per request and the mean wall
time. Compare two checkouts by running this file against each in turn, alternating, in the same run.

    .venv/bin/python bench/pages.py            # SQLite in a temporary file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/pages.py
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo_world import seeded_runtime  # noqa: E402
from sqlalchemy import event  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from backend import demo  # noqa: E402
from backend.runtime import Runtime  # noqa: E402
from web.app import create_app  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "200"))
HOUSEHOLD = ["/family", "/bindings", "/grants", "/codes", "/statement", "/settlements"]
PARTNER = ["/partner/checkout"]


def sign_in(client: TestClient, path: str, data: dict) -> None:
    page = client.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post(path, data={**data, "csrf_token": token})


def measure(rt: Runtime, client: TestClient, path: str) -> tuple[int, float]:
    seen = []

    def count(*_args) -> None:
        seen.append(1)

    client.get(path)
    event.listen(rt.db.engine, "before_cursor_execute", count)
    client.get(path)
    event.remove(rt.db.engine, "before_cursor_execute", count)
    started = time.perf_counter()
    for _ in range(ROUNDS):
        assert client.get(path).status_code == 200, path
    return len(seen), (time.perf_counter() - started) * 1000 / ROUNDS


def main() -> None:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/pages.db"
    rt = seeded_runtime(url)
    app = create_app(rt)
    logins = demo.logins()
    print(f"{rt.db.dialect}, {ROUNDS} requests per page")
    print("| page | statements | ms per request |")
    print("|---|---|---|")
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        sign_in(client, "/login", {"username": "13800000001", "password": demo.PERSON_PASSWORD})
        for path in HOUSEHOLD:
            print("| {} | {} | {:.1f} |".format(path, *measure(rt, client, path)))
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        sign_in(client, "/partner/login", {"apiKey": logins["partners"][0]["api_key"]})
        for path in PARTNER:
            print("| {} | {} | {:.1f} |".format(path, *measure(rt, client, path)))


if __name__ == "__main__":
    main()
