"""The README's partner example runs against a live server on demo data."""

import subprocess
import sys

import pytest

from backend.config import PROJECT_ROOT


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_partner_resolves_a_family_account_code(live_server):
    out = subprocess.run([sys.executable, str(PROJECT_ROOT / "docs/examples/resolve_code.py"), live_server],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert '"__typename": "ResolvedCode"' in out and '"maskedName": "王*英"' in out
    assert '"relationshipToSubject": "CHILD"' in out
