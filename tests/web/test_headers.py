"""Security headers on every response of every route, for every kind of caller.

The routes are read from `app.routes`, so a route added later is walked without touching this file.
The expected policy is spelled out here rather than imported, so loosening it in web/ fails a test.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from starlette.convertors import Convertor, IntegerConvertor, UUIDConvertor
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from backend.domain.idnumber import Sex
from backend.graph.core.ids import to_global_id
from tests.helpers import partner, person, staff
from web.app import create_app

pytestmark = pytest.mark.one_database

STRICT_CSP = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self'",
    "object-src": "'none'", "base-uri": "'none'", "form-action": "'self'", "frame-ancestors": "'none'",
}
VIEWER = "{ viewer { __typename ... on Person { name } ... on Institution { name } ... on StaffUser { role } } }"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ASSET = re.compile(r'(?:src|href)="([^"]+)"')
INLINE = re.compile(r"<style|<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def csp(response: httpx.Response) -> dict[str, str]:
    policy = response.headers.get("content-security-policy", "")
    directives = (part.strip().split(None, 1) for part in policy.split(";") if part.strip())
    return {d[0]: (d[1] if len(d) > 1 else "") for d in directives}


def assert_common_headers(response: httpx.Response, what: str) -> None:
    h = response.headers
    assert h.get("x-frame-options") == "DENY", what
    assert h.get("x-content-type-options") == "nosniff", what
    assert h.get("referrer-policy") == "same-origin", what  # not no-referrer: /lang/ returns to the Referer
    assert "camera=()" in h.get("permissions-policy", ""), what


def assert_strict(response: httpx.Response, what: str, *, production: bool = False) -> None:
    assert_common_headers(response, what)
    assert csp(response) == STRICT_CSP, what
    if response.request.url.path.startswith("/static/"):
        assert "no-store" not in response.headers.get("cache-control", ""), what
    else:
        assert response.headers.get("cache-control") == "no-store", what
    hsts = response.headers.get("strict-transport-security")
    assert (hsts is not None and "max-age=31536000" in hsts) if production else hsts is None, what


@dataclass
class Caller:
    name: str
    client: TestClient
    home: str | None  # the page a signed-in caller lands on; None for anonymous


def _csrf_of(client: TestClient, path: str) -> str:
    return CSRF.search(client.get(path).text).group(1)


def _sign_in(client: TestClient, form_path: str, fields: dict[str, str]) -> None:
    r = client.post(form_path, data={**fields, "csrf_token": _csrf_of(client, form_path)}, follow_redirects=False)
    assert r.status_code == 303, (form_path, r.status_code)


def _bearer(client: TestClient, username: str, password: str) -> str:
    return client.post("/auth/token", json={"username": username, "password": password}).json()["access_token"]


@pytest.fixture
def callers(rt) -> Iterator[tuple[list[Caller], dict[str, str]]]:
    """Anonymous, a household member, a clerk and a partner sandbox user, each with a session and a bearer."""
    me = person(rt, "张伟", date(1978, 3, 14), Sex.MALE, insurance="employee", balance_fen=100,
                phone="13800000001", password="secret-pw")
    staff(rt, "clerk", username="clerk1")
    _, api_key = partner(rt)
    app = create_app(rt)
    with ExitStack() as stack:
        anonymous, household, clerk, pharmacy = (stack.enter_context(TestClient(app, base_url="http://testserver"))
                                                 for _ in range(4))
        yield _signed_in(anonymous, household, clerk, pharmacy, me, api_key)


def _signed_in(anonymous, household, clerk, pharmacy, me, api_key) -> tuple[list[Caller], dict[str, str]]:
    _sign_in(household, "/login", {"username": me.id_number, "password": "secret-pw"})
    household.headers["Authorization"] = f"Bearer {_bearer(household, me.id_number, 'secret-pw')}"
    _sign_in(clerk, "/login", {"username": "clerk1", "password": "pw"})
    clerk.headers["Authorization"] = f"Bearer {_bearer(clerk, 'clerk1', 'pw')}"
    _sign_in(pharmacy, "/partner/login", {"apiKey": api_key})
    pharmacy.headers["Authorization"] = f"Bearer {api_key}"
    samples = {"person_id": to_global_id("Person", me.id), "code": "en"}
    return ([Caller("anonymous", anonymous, None), Caller("household", household, "/family"),
             Caller("staff", clerk, "/console"), Caller("partner", pharmacy, "/partner/checkout")], samples)


def _fill(path: str, convertors: dict[str, Convertor], samples: dict[str, str]) -> str:
    """A concrete path: a sample value where the test has one, else any value the convertor accepts."""
    for name, convertor in convertors.items():
        value = samples.get(name) or {IntegerConvertor: "1", UUIDConvertor: str(uuid.uuid4())}.get(type(convertor), "x")
        path = re.sub(r"\{" + name + r"(:[^}]*)?\}", value, path)
    return path


def requests_for(app, samples: dict[str, str]) -> list[tuple[str, str]]:
    """(method, path) for every route of the app; static files as one that exists and one that does not."""
    out: list[tuple[str, str]] = []
    for route in app.routes:
        if isinstance(route, Route):
            path = _fill(route.path, route.param_convertors, samples)
            out += [(method, path) for method in sorted(route.methods or {"GET"}) if method != "HEAD"]
        elif isinstance(route, Mount):
            out += [("GET", f"{route.path}/app.css"), ("GET", f"{route.path}/no-such-file.css")]
        else:  # pragma: no cover - a new kind of route must be taught to this walker
            raise AssertionError(f"unknown route type {route!r}")
    # Reads first and signing out last, so every request before it is made signed in.
    return sorted(out, key=lambda request: (request[1] == "/logout", request[0] != "GET"))


def _send(caller: Caller, method: str, path: str) -> httpx.Response:
    c = caller.client
    if method == "GET":
        return c.get(path, follow_redirects=False)
    headers = {}
    if caller.home is not None:
        headers["X-CSRF-Token"] = _csrf_of(c, caller.home)
    # One body for every POST: /graphql reads the query, /auth/token the credentials, pages an empty form.
    return c.request(method, path, json={"query": VIEWER, "username": "nobody", "password": "x"},
                     headers=headers, follow_redirects=False)


def test_every_route_sends_the_security_headers_to_every_caller(rt, callers):
    walkers, samples = callers
    app = walkers[0].client.app
    seen: dict[tuple[str, str, str], int] = {}
    for caller in walkers:
        for method, path in requests_for(app, samples):
            r = _send(caller, method, path)
            what = f"{caller.name} {method} {path} -> {r.status_code}"
            assert_strict(r, what)
            seen[(caller.name, method, path)] = r.status_code
    # The walk reached the pages with personal data, not only sign-in redirects.
    for caller in walkers[1:]:
        assert seen[(caller.name, "GET", caller.home)] == 200, caller.name
    assert seen[("staff", "GET", f"/console/people/{samples['person_id']}")] == 200
    assert seen[("anonymous", "POST", "/family/claim")] == 403  # the CSRF refusal is covered too
    assert seen[("anonymous", "GET", "/static/no-such-file.css")] == 404
    assert seen[("household", "POST", "/graphql")] == 200
    assert seen[("anonymous", "GET", "/graphql")] == 200  # GraphiQL, in development


def test_graphql_responses_are_not_stored(rt, callers):
    walkers, _ = callers
    household = walkers[1]
    r = household.client.post("/graphql", json={"query": VIEWER})
    assert r.json()["data"]["viewer"]["name"] == "张伟"
    assert_strict(r, "graphql")


def test_graphiql_is_under_the_strict_policy_and_loads_only_files_of_this_server(rt):
    with TestClient(create_app(rt)) as dev:
        r = dev.get("/graphql", headers={"accept": "text/html"})
        assert r.status_code == 200
        assert_strict(r, "graphiql")
        assert not INLINE.search(r.text), "GraphiQL's page must carry no inline script or style"
        assets = ASSET.findall(r.text)
        assert {a for a in assets if a.endswith(".js")} >= {
            "/static/vendor/graphiql/graphiql-3.8.3.min.js", "/static/graphiql.js"}
        for asset in assets:
            assert asset.startswith("/static/"), asset
            assert dev.get(asset).status_code == 200, asset


def test_production_adds_hsts_and_graphiql_is_gone(rt):
    rt.settings = rt.settings.model_copy(update={"yibao_env": "production", "secret_key": "k" * 48})
    app = create_app(rt)
    with TestClient(app, base_url="https://testserver") as c:
        for method, path in requests_for(app, {"person_id": str(uuid.uuid4()), "code": "en"}):
            r = c.request(method, path, follow_redirects=False)
            assert_strict(r, f"{method} {path} -> {r.status_code}", production=True)
        assert c.get("/graphql", headers={"accept": "text/html"}).status_code in (404, 405)


def test_an_unhandled_error_still_carries_the_headers(rt):
    app = create_app(rt)

    async def broken(request):
        raise RuntimeError("boom")

    app.router.routes.append(Route("/broken-for-test", broken))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/broken-for-test")
    assert r.status_code == 500
    assert_strict(r, "500")
