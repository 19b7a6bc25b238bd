"""Taking work off a queue in batches: the first item waited for, the rest only if already there."""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import Any


def take_batch(
    source: queue.Queue[Any],
    stop: object,
    limit: int,
    size: Callable[[Any], int] | None = None,
) -> tuple[list[Any], bool]:
    """Up to `limit` items, blocking for the first only; True once `stop` was taken."""
    return drain_batch(source, source.get(), stop, limit, size)


def drain_batch(
    source: queue.Queue[Any],
    first: Any,
    stop: object,
    limit: int,
    size: Callable[[Any], int] | None = None,
) -> tuple[list[Any], bool]:
    """`first` and what else is already queued, up to `limit`; True once `stop` was taken.

    With `size`, the limit counts what the items weigh rather than how many they are; the last
    item taken may carry the batch past it.
    """
    if first is stop:
        return [], True
    batch = [first]
    taken = size(first) if size else 1
    while taken < limit:
        try:
            item = source.get_nowait()
        except queue.Empty:
            break
        if item is stop:
            return batch, True
        batch.append(item)
        taken += size(item) if size else 1
    return batch, False
