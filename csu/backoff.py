"""The one retry delay: exponential with full jitter, so that retries never run in lockstep.

Cameras reconnecting, MQTT feeds, the recordings index coming back, an access-log witness that
was away, a detector or analyser that could not be built: every retry loop of csu waits what this
says. The login throttle's penalty is its ceiling, without jitter: a client is told what it waits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Exponential delays with full jitter, between `initial_s` and `maximum_s`."""

    initial_s: float = 0.5
    maximum_s: float = 30.0

    def ceiling(self, attempt: int) -> float:
        """The longest wait before retry number `attempt` (0-based): the delay without jitter."""
        # Cap the exponent: 2**attempt as a float overflows after ~1000 attempts (hours down).
        return min(self.maximum_s, self.initial_s * 2.0 ** min(attempt, 64))

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        ceiling = self.ceiling(attempt)
        return rng.uniform(ceiling / 2, ceiling)
