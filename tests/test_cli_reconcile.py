"""`yibao reconcile-totals` and `yibao reconcile-details`: staff reconcile any institution from the command line."""

from __future__ import annotations

import csv

import pytest

from backend.clock import CHINA
from backend.domain.reconciliation import settlement_global_id
from backend.storage.models import Settlement
from tests.money import jinan_family, line, settle_for
from tests.test_cli import yibao

# The commands call the same services the graph does, tested on both databases (tests/services).
pytestmark = pytest.mark.one_database


@pytest.fixture
def settled(rt):
    """Two of the pharmacy's settlements on a day the real clock has passed (the CLI runs on it)."""
    fam = jinan_family(rt)
    sids = [settle_for(rt, fam.pharmacy, fam.father, fam.father, [line("A", amount)])[0] for amount in (300_00, 40_00)]
    with rt.db.read() as s:
        rows = [s.get(Settlement, sid) for sid in sids]
    return fam.pharmacy.id, rows[0].created_at.astimezone(CHINA).date().isoformat(), rows


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def test_totals_from_the_command_line(rt, database_url, settled):
    partner, day, rows = settled
    bill, fund = sum(r.bill_fen for r in rows), sum(r.fund_fen for r in rows)
    account = sum(r.bill_fen - r.fund_fen - r.cash_fen for r in rows)
    common = ("reconcile-totals", "--partner", str(partner), "--from", day, "--to", day)
    listed = yibao(database_url, *common).stdout
    assert f"310 41: 2 settlements, bills {bill / 100:,.2f}" in listed and "390 11: 0 settlements" in listed
    ok = yibao(database_url, *common, "--insurance", "310", "--clearing", "41", "--count", "2", "--bill", _yuan(bill),
               "--fund", _yuan(fund), "--account", _yuan(account))
    assert ok.stdout.splitlines()[-1] == "balanced"
    off = yibao(database_url, *common, "--insurance", "310", "--clearing", "41", "--count", "2", "--bill",
                _yuan(bill + 1), "--fund", _yuan(fund), "--account", _yuan(account), check=False)
    assert off.returncode == 3 and "not balanced" in off.stdout and "bills 0.01" in off.stdout


def test_details_from_the_command_line(rt, database_url, settled, tmp_path):
    partner, day, rows = settled
    detail = tmp_path / "detail.csv"
    detail.write_text("结算ID,医疗费总额,基金支付总额,个人账户支付金额,退费结算标志\n" + "".join(
        f"{settlement_global_id(r.id)},{_yuan(r.bill_fen)},{_yuan(r.fund_fen)},"
        f"{_yuan(r.bill_fen - r.fund_fen - r.cash_fen)},0\n" for r in rows[:1]), encoding="gb18030")
    out = tmp_path / "result.csv"
    done = yibao(database_url, "reconcile-details", str(detail), "--partner", str(partner), "--from", day, "--to",
                 day, "--out", str(out), check=False)
    assert done.returncode == 3, done.stderr
    assert "1 balanced (0), 1 only the service has (1)" in done.stdout
    results = {r["settlement_id"]: r["result"] for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert results == {settlement_global_id(rows[0].id): "0", settlement_global_id(rows[1].id): "1"}

    detail.write_text("settlement_id,bill_yuan,fund_yuan,account_yuan,refunded\nnot-an-id,1,1,1,2\n")
    refused = yibao(database_url, "reconcile-details", str(detail), "--partner", str(partner), "--from", day, "--to",
                    day, "--out", str(out), check=False)
    assert refused.returncode == 1
    assert "row 2, settlement_id “not-an-id”" in refused.stderr and "row 2, refunded “2”" in refused.stderr
