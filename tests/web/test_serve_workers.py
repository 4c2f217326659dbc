"""`yibao serve --workers 2`: metrics add up across worker processes, and every log line is JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from backend.config import PROJECT_ROOT
from tests.conftest import _free_port

TOKEN = "scrape-token"


@pytest.fixture
def served(database_url, tmp_path):
    if "serializable" in database_url:
        pytest.skip("adding up metrics does not depend on the isolation level")
    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "workers-test", "METRICS_TOKEN": TOKEN,
           "LOG_LEVEL": "INFO", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "PASSWORD_TIME_COST": "1",
           "PASSWORD_MEMORY_COST_KIB": "1024"}
    stderr = (tmp_path / "stderr").open("w+")
    process = subprocess.Popen([sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                                "--workers", "2"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (tmp_path / "stderr").read_text()
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.1)
    yield base, metrics_dir, tmp_path / "stderr"
    process.terminate()
    process.wait(timeout=30)
    stderr.close()


def test_metrics_add_up_across_workers_and_logs_are_json(served):
    base, metrics_dir, stderr = served
    deadline = time.monotonic() + 30
    while len({f.stem.rsplit("_", 1)[-1] for f in metrics_dir.glob("*.db")}) < 2:  # both workers up
        assert time.monotonic() < deadline, sorted(f.name for f in metrics_dir.glob("*"))
        time.sleep(0.1)
    for i in range(20):
        with httpx.Client() as fresh:  # a new connection each time, so both workers answer some
            assert fresh.get(base + "/healthz").status_code == 200
            fresh.post(base + "/graphql", json={"query": "query Ping { viewer { __typename } }"},
                       headers={"X-Request-ID": f"mp-{i}"})
    scrape = httpx.get(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scrape.status_code == 200
    samples = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in scrape.text.splitlines()
               if line and not line.startswith("#")}
    assert samples['http_requests_total{method="GET",route="/healthz",status="200"}'] == 20
    assert samples['graphql_operations_total{operation="Ping",outcome="ok",type="query"}'] == 20
    assert httpx.get(base + "/metrics").status_code == 401

    time.sleep(0.5)  # let the workers flush their last lines
    lines = [json.loads(raw) for raw in stderr.read_text().splitlines() if raw.strip()]
    access = {r["request_id"] for r in lines if r.get("logger") == "yibao.access" and r.get("operation") == "Ping"}
    assert access == {f"mp-{i}" for i in range(20)}
