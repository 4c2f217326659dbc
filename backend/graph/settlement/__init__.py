"""Settlements (R7, R8): bills split between the fund, accounts and cash; refunds, reversals; the ledger."""
