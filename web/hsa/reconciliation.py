"""3201 / 3202 with 9101 upload and 9102 download, over the reconciliation services (issue 18)."""

from __future__ import annotations

HANDLERS: dict = {}
