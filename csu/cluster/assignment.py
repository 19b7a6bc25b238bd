"""Which cameras a worker should claim or give up, from what the cluster looks like now."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Moves:
    """What a worker does this round: the keys to claim, and those to give up."""

    claim: list[str]
    release: list[str]


def share(total: int, workers: int, capacity: int) -> int:
    """How many cameras one worker should hold: an even share, never past its capacity."""
    return min(capacity, math.ceil(total / max(1, workers)))


def plan(
    cameras: Sequence[str],
    holders: Mapping[str, str],
    me: str,
    workers: int,
    capacity: int,
) -> Moves:
    """The moves that bring this worker to its share.

    `cameras` is in priority order (the most important first): free cameras are claimed in that
    order, so that when capacity runs short the important ones still play. A worker above its
    share (another worker joined) gives up one camera a round, the least important, so that the
    cluster rebalances without blanking several cameras at once.
    """
    mine = [c for c in cameras if holders.get(c) == me]
    target = share(len(cameras), workers, capacity)
    if len(mine) > target:
        return Moves(claim=[], release=[mine[-1]])
    free = [c for c in cameras if c not in holders]
    return Moves(claim=free[: target - len(mine)], release=[])
