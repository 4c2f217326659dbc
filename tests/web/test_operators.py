"""Operators' endpoints: /healthz, /readyz, /metrics (content and token), request ids, JSON logs."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from backend.domain.errors import DomainError
from backend.observability import logs, metrics, request_id
from backend.principals import Actor, Channel
from backend.services.family_account import codes
from backend.services.money import settlement
from backend.services.platform import throttle
from backend.storage.db import Database
from backend.storage.revision import head_revisions
from tests.helpers import actor_of
from tests.money import jinan_family, line, settle_for
from web.app import create_app

TOKEN = "metrics-token-for-tests"


def _client(rt, **settings) -> TestClient:
    rt.settings = rt.settings.model_copy(update=settings)
    return TestClient(create_app(rt))


def _sample(name: str, **labels) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_healthz_and_readyz_answer_without_signing_in(rt):
    client = _client(rt)
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "reachable", "migrations": "at head",
                            "head": sorted(head_revisions())}


def test_readyz_refuses_while_migrations_are_pending(rt):
    client = _client(rt)
    (head,) = head_revisions()
    with rt.db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    try:
        behind = client.get("/readyz")
    finally:
        with rt.db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert behind.status_code == 503
    assert behind.json()["migrations"] == "not at head" and behind.json()["current"] == ["0004"]
    assert client.get("/readyz").status_code == 200


def test_readyz_refuses_a_database_never_migrated_or_unreachable(tmp_path, rt):
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    rt.db = Database.from_url(empty)
    assert _client(rt).get("/readyz").json()["migrations"] == "not at head"
    rt.db = Database.from_url("postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    down = _client(rt).get("/readyz")
    assert down.status_code == 503 and down.json() == {"status": "unavailable", "database": "unreachable"}


@pytest.mark.one_database
def test_metrics_are_not_public_unless_a_token_is_set_and_sent(rt):
    assert _client(rt).get("/metrics").status_code == 404
    client = _client(rt, metrics_token=TOKEN)
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/plain")


def test_metrics_count_requests_by_route_template_and_operations_by_name(rt):
    client = _client(rt, metrics_token=TOKEN)
    before = _sample("http_requests_total", route="/graphql", method="POST", status="200")
    named = _sample("graphql_operations_total", operation="WhoAmI", type="query", outcome="ok")
    for _ in range(3):
        client.post("/graphql", json={"query": "query WhoAmI { viewer { __typename } }"})
    client.get("/people/13800000001")  # a path that might carry personal data: counted by its template only
    body = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert _sample("http_requests_total", route="/graphql", method="POST", status="200") == before + 3
    assert _sample("graphql_operations_total", operation="WhoAmI", type="query", outcome="ok") == named + 3
    assert 'graphql_operation_duration_seconds_count{operation="WhoAmI",type="query"}' in body
    assert "13800000001" not in body
    assert re.search(r'http_request_duration_seconds_bucket\{le="0\.005",method="POST",route="/graphql"\}', body)


def test_metrics_are_the_services_own_and_the_same_with_one_worker_or_many(rt):
    """docs/operations.md lists every metric: no process_*, python_gc_* or python_info, in any mode, so a
    dashboard built on one process still holds when `--workers N` turns on multiprocess mode."""
    body = _client(rt, metrics_token=TOKEN).get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    families = set(re.findall(r"^# TYPE (\S+) ", body, re.M))
    documented = _documented_metrics()
    assert families == documented, families ^ documented
    assert not re.search(r"^(process_|python_)", body, re.M)


def _documented_metrics() -> set[str]:
    from backend.config import PROJECT_ROOT

    operations = (PROJECT_ROOT / "docs" / "operations.md").read_text()
    table = operations[operations.index("| metric | labels | counts |"):operations.index("Labels are kept few")]
    return set(re.findall(r"^\| `([a-z_]+)`", table, re.M))


def test_operation_names_stay_few():
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.operation_label("drop table;") == "invalid"
    assert metrics.operation_label("x" * 65) == "invalid"
    assert throttle.limit_kind("signin:address:2001:db8::1") == "signin:address"
    assert throttle.limit_kind("claim:3f0c") == "claim"


def test_metrics_count_settlements_codes_and_rate_limit_refusals(rt):
    fam = jinan_family(rt)
    issued, resolved = _sample("codes_issued_total"), _sample("codes_resolved_total", outcome="ok")
    done = _sample("settlements_total", operation="settle", outcome="done")
    replayed = _sample("settlements_total", operation="settle", outcome="replayed")
    refused = _sample("settlements_total", operation="settle", outcome="refused")
    _, request = settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("A", 100_00)], key="metrics-key-1")
    settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL), request)  # the same key again
    code = codes.issue_code(rt, actor_of(fam.father), fam.father.id).text
    codes.resolve_code(rt, Actor(fam.pharmacy, Channel.GRAPHQL), code)
    with pytest.raises(DomainError):
        settlement.settle(rt, Actor(fam.pharmacy, Channel.GRAPHQL), settlement.SettleRequest(
            code=code, visit_type=request.visit_type, service_date=rt.clock.now().date() + timedelta(days=9),
            lines=request.lines, idempotency_key="metrics-key-2"))
    assert _sample("codes_issued_total") == issued + 2
    assert _sample("codes_resolved_total", outcome="ok") == resolved + 1
    assert _sample("settlements_total", operation="settle", outcome="done") == done + 1
    assert _sample("settlements_total", operation="settle", outcome="replayed") == replayed + 1
    assert _sample("settlements_total", operation="settle", outcome="refused") == refused + 1

    limited = _sample("rate_limit_refusals_total", limit="claim")
    key = f"claim:{fam.son.id}"
    for _ in range(throttle.CLAIM_MISSES_PER_PERSON.failures):
        throttle.failed(rt, throttle.CLAIM_MISSES_PER_PERSON, key)
    with pytest.raises(DomainError):
        throttle.check(rt, throttle.CLAIM_MISSES_PER_PERSON, key)
    assert _sample("rate_limit_refusals_total", limit="claim") == limited + 1


@pytest.mark.one_database
def test_a_sane_request_id_is_kept_and_any_other_replaced(rt):
    client = _client(rt)
    assert client.get("/healthz", headers={"X-Request-ID": "partner-42.a"}).headers["X-Request-ID"] == "partner-42.a"
    for bad in ("", "x" * 200, "a b", "<script>"):
        made = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert made != bad and re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/login").headers["X-Request-ID"] != client.get("/login").headers["X-Request-ID"]


@pytest.mark.one_database
def test_graphql_errors_carry_the_request_id(rt):
    client = _client(rt)
    for document in ("{ nope }", "{", "query Q($n: Int!) { viewer { __typename } }"):
        answer = client.post("/graphql", json={"query": document}, headers={"X-Request-ID": "trace-me-1"})
        assert answer.headers["X-Request-ID"] == "trace-me-1"
        errors = answer.json()["errors"]
        assert errors and all(e["extensions"]["requestId"] == "trace-me-1" for e in errors)
    plain = client.post("/graphql", json={"query": "{ nope }"})
    assert plain.json()["errors"][0]["extensions"]["requestId"] == plain.headers["X-Request-ID"]


@pytest.fixture
def captured_logs():
    stream = io.StringIO()
    handler = logs.configure("DEBUG", stream)
    yield stream
    logs.remove(handler)


def _lines(stream) -> list[dict]:
    return [json.loads(raw) for raw in stream.getvalue().splitlines()]


@pytest.mark.one_database
def test_log_lines_are_json_with_the_request_id(rt, captured_logs):
    client = _client(rt)
    client.post("/graphql", json={"query": "query Mine { viewer { __typename } }"}, headers={"X-Request-ID": "log-1"})
    access = [r for r in _lines(captured_logs) if r["logger"] == "yibao.access"]
    assert access and access[-1]["request_id"] == "log-1"
    assert access[-1] | {"route": "/graphql", "method": "POST", "status": 200, "operation": "Mine"} == access[-1]
    assert {"time", "level", "message"} <= access[-1].keys()
    assert request_id.current_id() is None  # the request's context ended with it


@pytest.mark.one_database
def test_no_personal_data_reaches_the_logs(rt, captured_logs):
    father_id = jinan_family(rt).father.id_number
    client = _client(rt)
    client.post("/login", data={"username": father_id, "password": "wrong"})
    client.post("/login", data={"username": "13800000001", "password": "wrong"})
    client.get("/console/people", params={"q": "张伟"})
    bad_variable = {"query": "query Q($id: ID!, $n: Int!) { node(id: $id) { id } }",
                    "variables": {"id": father_id, "n": "张伟 13800000001 " + father_id}}
    client.post("/graphql", json=bad_variable)
    logging.getLogger("test").error("unexpected: %s %s %s", father_id, "13800000001", "张伟")
    written = captured_logs.getvalue()
    assert _lines(captured_logs)  # something was logged, and every line is JSON
    for personal in (father_id, "13800000001", "张伟"):
        assert personal not in written
    assert "[id-number]" in written and "[phone]" in written and "[name]" in written
