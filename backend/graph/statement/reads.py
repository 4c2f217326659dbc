"""What the statement package reads: the settlement lines paid for a person in a year."""

from __future__ import annotations

from backend.graph.core.loaders import Batched
from backend.services.money import statement

LOADERS = {
    # Keyed by (person id, year).
    "statement_lines": Batched(statement.paid_lines, default=list),
}
