"""`yibao clearing-statement` and `yibao payout-file` on both databases."""

import csv
import io

import pytest

from backend.principals import Actor, Channel
from backend.services.clearing import batches, payee
from tests.clearing import china, march_world
from tests.helpers import staff
from tests.test_cli import yibao

pytestmark = pytest.mark.serializable


def test_a_months_statement_and_the_banks_file_from_the_command_line(rt, database_url, tmp_path):
    fam, _ = march_world(rt)
    auditor, admin = Actor(staff(rt, "auditor"), Channel.CONSOLE), Actor(staff(rt, "admin"), Channel.CONSOLE)
    china(rt, 2026, 4, 2)
    refused = yibao(database_url, "clearing-statement", "--month", "2026-03", check=False)
    assert refused.returncode == 1 and "month" in refused.stderr
    batch = batches.prepare(rt, Actor(fam.clerk, Channel.CONSOLE), "2026-03")
    shown = yibao(database_url, "clearing-statement", "--month", "2026-03").stdout
    assert "prepared" in shown and fam.hospital.name in shown and fam.pharmacy.name in shown
    early = yibao(database_url, "payout-file", "--month", "2026-03", "--out", str(tmp_path / "x.csv"), check=False)
    assert early.returncode == 1  # not approved yet
    batches.approve(rt, auditor, batch.id)
    for who in (fam.hospital, fam.pharmacy):
        payee.set_payee_account(rt, admin, who.id, "Bank of Jinan", "62220212345678", "contract")
    out = tmp_path / "payout.csv"
    yibao(database_url, "payout-file", "--month", "2026-03", "--encoding", "gb18030", "--out", str(out))
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("gb18030"))))
    assert rows[0][0] == "seq" and rows[-1][:2] == ["TOTAL", "2"]
