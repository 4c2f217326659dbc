"""The staff console's home: what the service is doing, as figures (no personal data)."""
