"""Family accounts: e-vouchers and bindings, presented codes."""
