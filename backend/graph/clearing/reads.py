"""What the clearing package reads: each batch's lines and deductions (one query per batch of batches)."""

from __future__ import annotations

from backend.graph.core.loaders import Batched
from backend.services.clearing.views import deductions_of, lines_of

LOADERS = {
    "clearing_lines": Batched(lines_of, default=list),
    "clearing_deductions": Batched(deductions_of, default=list),
}
