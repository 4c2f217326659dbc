"""Cross-cutting: the audit writer, credentials, sessions and attempt counters."""
