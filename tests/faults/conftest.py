"""Fixtures for the fault tests: a served app in a child process, one grantor's family, and the
figures each run measured, printed at the end of the session."""

from __future__ import annotations

import pytest

from tests.faults.figures import FIGURES
from tests.faults.server import ServedApp
from tests.faults.world import server_environment


@pytest.fixture
def served_app(request, rt, database_url, tmp_path):
    """`yibao serve` in a child process; `@pytest.mark.served_workers(N)` runs it with N worker processes."""
    marker = request.node.get_closest_marker("served_workers")
    app = ServedApp(server_environment(database_url), tmp_path / "app.log", workers=marker.args[0] if marker else 1)
    app.start()
    yield app
    app.stop()


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("money under faults: figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
