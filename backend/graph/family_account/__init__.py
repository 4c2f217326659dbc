"""Family accounts (亲情账户): e-vouchers, bindings and their scopes, codes shown, scanned and settled."""
