"""Limits at the edge: trusted proxies only, wrong API keys throttled, request bodies capped."""

import asyncio
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from backend.storage.models import AttemptCounter
from tests.helpers import partner
from web.app import create_app

VIEWER = {"query": "{ viewer { __typename } }"}


def _client(rt, **settings) -> TestClient:
    rt.settings = rt.settings.model_copy(update=settings)
    return TestClient(create_app(rt), base_url="http://testserver")


def _counter_keys(rt) -> set[str]:
    with rt.db.read() as s:
        return set(s.exec(select(AttemptCounter.key)).all())


def _bearer(key: str, address: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    if address:
        headers["X-Forwarded-For"] = address
    return headers


# --- D5: the client address ----------------------------------------------------------------------

@pytest.mark.one_database
def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(rt):
    with _client(rt) as c:
        c.post("/auth/token", json={"username": "nobody", "password": "x"}, headers={"X-Forwarded-For": "203.0.113.9"})
    assert "signin:address:testclient" in _counter_keys(rt)
    assert not any("203.0.113.9" in key for key in _counter_keys(rt))


@pytest.mark.one_database
def test_a_trusted_proxy_names_the_client(rt):
    with _client(rt, forwarded_allow_ips="10.0.0.1, testclient") as c:
        c.post("/auth/token", json={"username": "nobody", "password": "x"},
               headers={"X-Forwarded-For": "198.51.100.20, 203.0.113.9"})
    # The rightmost address a trusted proxy did not add is the client; the rest is the client's own say-so.
    assert "signin:address:203.0.113.9" in _counter_keys(rt)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.one_database
@pytest.mark.parametrize(("trusted", "counted"), [(None, "127.0.0.1"), ("127.0.0.1", "203.0.113.9")])
def test_yibao_serve_passes_the_trusted_proxies_to_uvicorn(rt, database_url, trusted, counted):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "FORWARDED_ALLOW_IPS"}
    env.update(DATABASE_URL=database_url, SECRET_KEY="test-secret", PASSWORD_TIME_COST="1",
               PASSWORD_MEMORY_COST_KIB="1024")
    if trusted:
        env["FORWARDED_ALLOW_IPS"] = trusted
    server = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/auth/token", json={"username": "nobody", "password": "x"},
                               headers={"X-Forwarded-For": "203.0.113.9"})
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "yibao serve did not start"
                time.sleep(0.1)
        assert r.status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert {key for key in _counter_keys(rt) if key.startswith("signin:address:")} == {f"signin:address:{counted}"}


# --- D7: wrong API keys at /graphql --------------------------------------------------------------

def test_wrong_api_keys_from_one_address_get_429_but_a_working_key_there_still_works(rt, clock):
    _, key = partner(rt)
    prefix = key.split("_")[1]
    with _client(rt, forwarded_allow_ips="testclient") as c:
        for i in range(30):
            r = c.post("/graphql", json=VIEWER, headers=_bearer(f"yb_{i:012x}_wrong", "203.0.113.9"))
            assert r.status_code == 401 and r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        refused = c.post("/graphql", json=VIEWER, headers=_bearer("yb_000000000999_wrong", "203.0.113.9"))
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 15 * 60
        # A partner behind the same shared address keeps working with its key.
        ok = c.post("/graphql", json=VIEWER, headers=_bearer(key, "203.0.113.9"))
        assert ok.json()["data"] == {"viewer": {"__typename": "Institution"}}
        # The guesser there is still slowed: wrong secrets for that key's prefix are refused and counted
        # against the prefix, which locks it (its own secret included) after ten.
        for i in range(10):
            guess = c.post("/graphql", json=VIEWER, headers=_bearer(f"yb_{prefix}_guess{i}", "203.0.113.9"))
            assert guess.status_code == 429
        assert c.post("/graphql", json=VIEWER, headers=_bearer(key, "203.0.113.9")).status_code == 429
        clock.advance(minutes=16)
        ok = c.post("/graphql", json=VIEWER, headers=_bearer(key, "203.0.113.9"))
        assert ok.json()["data"] == {"viewer": {"__typename": "Institution"}}


def test_wrong_secrets_for_one_key_prefix_from_many_addresses_get_429(rt):
    _, key = partner(rt)
    prefix = key.split("_")[1]
    _, other_key = partner(rt)
    with _client(rt, forwarded_allow_ips="testclient") as c:
        for i in range(10):
            r = c.post("/graphql", json=VIEWER, headers=_bearer(f"yb_{prefix}_wrong{i}", f"203.0.113.{i}"))
            assert r.status_code == 401
        refused = c.post("/graphql", json=VIEWER, headers=_bearer(f"yb_{prefix}_wrong", "203.0.113.200"))
        assert refused.status_code == 429 and "retry-after" in refused.headers
        ok = c.post("/graphql", json=VIEWER, headers=_bearer(other_key, "203.0.113.201"))
        assert ok.json()["data"] == {"viewer": {"__typename": "Institution"}}


def test_the_partner_login_page_counts_wrong_keys_the_same_way(rt):
    _, key = partner(rt)
    prefix = key.split("_")[1]
    with _client(rt, forwarded_allow_ips="testclient") as c:
        page = c.get("/partner/login")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        for i in range(10):
            c.post("/partner/login", data={"apiKey": f"yb_{prefix}_wrong{i}", "csrf_token": csrf},
                   headers={"X-Forwarded-For": f"203.0.113.{i}"})
        r = c.post("/graphql", json=VIEWER, headers=_bearer(f"yb_{prefix}_wrong", "203.0.113.99"))
        assert r.status_code == 429


# --- request bodies ------------------------------------------------------------------------------

def _csrf_of(c: TestClient) -> str:
    page = c.get("/login")
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]


@pytest.mark.one_database
def test_a_declared_body_over_the_limit_is_refused_with_413(rt):
    big = b"x" * (1024 * 1024 + 1)
    with _client(rt) as c:
        r = c.post("/graphql", content=big, headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        r = c.post("/login", content=b"csrf_token=" + _csrf_of(c).encode() + b"&username=" + big,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413


@pytest.mark.one_database
def test_a_streamed_body_is_cut_off_once_over_the_limit(rt):
    """At the ASGI level, as a server hands over a chunked body: the app stops asking for more."""
    app = create_app(rt)
    chunks_read, sent = [], []

    async def receive():
        chunks_read.append(1)
        return {"type": "http.request", "body": b"x" * 65536, "more_body": len(chunks_read) < 320}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/graphql", "raw_path": b"/graphql", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                         (b"transfer-encoding", b"chunked")],
             "client": ("192.0.2.1", 50000), "server": ("testserver", 80), "app": app}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    assert len(chunks_read) <= 17  # 1 MiB is 16 chunks: 20 MB offered, hardly more than the cap read


@pytest.mark.one_database
def test_the_limit_is_a_setting_and_bodies_under_it_pass(rt):
    with _client(rt, max_body_bytes=2000) as c:
        assert c.post("/graphql", json=VIEWER).json()["data"] == {"viewer": None}
        assert c.post("/graphql", json={"query": "{ viewer { __typename } }" + " " * 2000}).status_code == 413
        token = _csrf_of(c)
        r = c.post("/login", data={"csrf_token": token, "username": "nobody", "password": "x"})
        assert r.status_code == 400
        r = c.post("/login", data={"csrf_token": token, "username": "n" * 3000, "password": "x"})
        assert r.status_code == 413
