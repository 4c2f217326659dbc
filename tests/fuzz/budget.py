"""How long the fuzzers run: a fixed budget in `make test`, scaled up for a campaign by environment.

The examples themselves are fixed by the Hypothesis profile tests/conftest.py loads (`ci`:
derandomized), so CI and a developer see the same ones. A campaign sets YIBAO_FUZZ_SCALE (every
example count is multiplied by it) and HYPOTHESIS_PROFILE=campaign (fresh random examples, failures
kept in .hypothesis/ and replayed first next time); docs/operations.md shows the commands.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = float(os.environ.get("YIBAO_FUZZ_SCALE", "1"))


def fuzz_settings(examples: int) -> settings:
    # Examples are documents of any size sent over HTTP to a database: slow by Hypothesis' measure,
    # and that is the point, so the size and speed health checks only add noise.
    return settings(max_examples=max(1, round(examples * SCALE)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
