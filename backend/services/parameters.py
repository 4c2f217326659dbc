"""Settlement parameters by year and region. The shipped file holds SAMPLES, clearly labelled."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from backend.domain.errors import DomainError, ErrorCode
from backend.domain.settlement import Parameters

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "policy_samples.json"


@lru_cache(maxsize=4)
def load(path: Path = SAMPLES) -> tuple[Parameters, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(Parameters(**entry) for entry in data["parameter_sets"])


def parameters_for(year: int, region_code: str, sets: tuple[Parameters, ...] | None = None, *,
                   field: str = "serviceDate") -> Parameters:
    """The set for this year whose region prefix is the longest match of the person's region."""
    candidates = [p for p in (sets or load()) if p.year == year and region_code.startswith(p.region_prefix)]
    if not candidates:
        raise DomainError(ErrorCode.POLICY_MISSING, field=field)
    return max(candidates, key=lambda p: len(p.region_prefix))
