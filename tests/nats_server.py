"""A private `nats-server -js` per test: its own port and its own JetStream store.

The server itself is started by the harness the tests share with the benchmarks (bench._cluster);
here a missing `nats-server` skips, or in CI fails, the test (require_service).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench._cluster import NatsServer, nats_binary
from bench._cluster import private_nats as _private_nats
from tests.conftest import require_service

__all__ = ["NatsServer", "private_nats"]


@contextmanager
def private_nats(folder: Path, port: int | None = None) -> Iterator[NatsServer]:
    """Start `nats-server -js` on loopback with its store in `folder`; stop it afterwards.

    Give `port` to restart a server on the port (and store) an earlier one used.
    """
    if nats_binary() is None:
        require_service("nats-server (Debian package nats-server)")
    with _private_nats(folder, port) as server:
        yield server
