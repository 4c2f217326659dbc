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


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_partner_and_a_family_app_fetch_the_fhir_export(live_server):
    out = subprocess.run([sys.executable, str(PROJECT_ROOT / "docs/examples/fhir_partner.py"), live_server],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert "served: Patient, RelatedPerson, Coverage, Consent, ClaimResponse" in out
    assert '"text": "王*英"' in out and '"code": "CHILD"' in out          # the scanned code's person and presenter
    assert "settled: {'settlement': {'id'" in out
    assert '"resourceType": "ClaimResponse"' in out and '"code": "mutual-aid"' in out
    for title in ("Patient/<id>", "Coverage/<id>", "RelatedPerson?patient", "Consent?patient", "Consent?actor"):
        assert f"--- {title}" in out
    assert '"code": "family-mutual-aid"' in out and '"code": "family-account"' in out


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_pharmacy_day_at_the_till(live_server):
    port = live_server.rsplit(":", 1)[1]
    out = subprocess.run([sys.executable, str(PROJECT_ROOT / "docs/examples/pharmacy_day.py"), port],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert "the same as quoted: True; a retry answered the same settlement" in out
    assert "refused: LINE_PRICE_INVALID" in out and "line 2 quantity: LINE_QUANTITY_INVALID" in out
    assert "line 3 itemCode: LINE_TEXT_INVALID" in out
    assert "settled POS-0002" in out and "settled POS-0003" in out
    assert "above price caps ¥4.00" in out  # POS-0003: 40.00 against the catalogue's cap of 36.00
    assert "refund at 2026-03-02 17:30:00 (China time), lines [2]: ¥30.00 back" in out
    assert "2026-03-02 (China time): 3 settlements ['POS-0001', 'POS-0002', 'POS-0003']" in out
    assert "receipt POS-0001: ¥59.00, partly_refunded" in out
