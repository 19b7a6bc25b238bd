"""What waits to be pushed to one reader: the latest value per key, so a slow reader skips what
was superseded and never falls behind. Consoles and wall displays each read one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Mailbox(Generic[K, V]):
    """One value waits per key; a new one replaces it, or is merged into it when asked."""

    def __init__(self) -> None:
        self._waiting: dict[K, V] = {}
        self._ready = asyncio.Event()

    def put(self, key: K, value: V, merge: Callable[[V, V], V] | None = None) -> None:
        """Leave `value` under `key`, in place of (or merged with) what waits there."""
        if merge is not None and key in self._waiting:
            value = merge(self._waiting[key], value)
        self._waiting[key] = value
        self._ready.set()

    def __len__(self) -> int:
        return len(self._waiting)

    async def wait(self) -> None:
        """Return once something waits."""
        await self._ready.wait()

    def take(self) -> list[V]:
        """Everything waiting, in the order its keys first arrived; the mailbox is then empty."""
        values = list(self._waiting.values())
        self._waiting.clear()
        self._ready.clear()
        return values
