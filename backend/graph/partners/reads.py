"""What the partners package reads: each institution's API keys."""

from __future__ import annotations

from backend.graph.core.loaders import Batched
from backend.services.admin import partners

LOADERS = {
    "api_keys_of": Batched(partners.keys_of, default=list),
}
