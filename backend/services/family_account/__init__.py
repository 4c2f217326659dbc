"""Family accounts: e-vouchers and bindings, presented codes, the consent verifier."""
