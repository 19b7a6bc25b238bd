"""Taking work off a queue in batches: the first item waited for, the rest only if already there."""

from __future__ import annotations

import queue
from typing import Any


def take_batch(source: queue.Queue[Any], stop: object, limit: int) -> tuple[list[Any], bool]:
    """Up to `limit` items, blocking for the first only; True once `stop` was taken."""
    return drain_batch(source, source.get(), stop, limit)


def drain_batch(
    source: queue.Queue[Any], first: Any, stop: object, limit: int
) -> tuple[list[Any], bool]:
    """`first` and what else is already queued, up to `limit`; True once `stop` was taken."""
    if first is stop:
        return [], True
    batch = [first]
    while len(batch) < limit:
        try:
            item = source.get_nowait()
        except queue.Empty:
            break
        if item is stop:
            return batch, True
        batch.append(item)
    return batch, False
