"""Daily reconciliation with partners (R17): totals (3201) and detail (3202)."""
