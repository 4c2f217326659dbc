"""Money: grants, premiums, settlement, the ledger and its check, the yearly statement."""
