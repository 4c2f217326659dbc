"""yibao-family: family medical-insurance accounts (Jinan 2025 rules)."""
