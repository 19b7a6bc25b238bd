"""The one retry delay: exponential with full jitter, so that retries never run in lockstep.

Cameras reconnecting, the recordings index coming back, an access-log witness that was away:
every retry loop of csu waits what this says.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Exponential delays with full jitter, between `initial_s` and `maximum_s`."""

    initial_s: float = 0.5
    maximum_s: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        # Cap the exponent: 2**attempt as a float overflows after ~1000 attempts (hours down).
        ceiling = min(self.maximum_s, self.initial_s * 2.0 ** min(attempt, 64))
        return rng.uniform(ceiling / 2, ceiling)
