"""A private `nats-server -js` per test: its own port and its own JetStream store."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import require_service


@dataclass(frozen=True)
class NatsServer:
    """A running private NATS server with JetStream; `url` is what clients connect to."""

    url: str
    port: int
    store: Path
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nats-server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nats-server did not listen on {port} within {timeout} s")


@contextmanager
def private_nats(folder: Path, port: int | None = None) -> Iterator[NatsServer]:
    """Start `nats-server -js` on loopback with its store in `folder`; stop it afterwards.

    Give `port` to restart a server on the port (and store) an earlier one used.
    """
    binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
    if not Path(binary).exists():
        require_service("nats-server (Debian package nats-server)")
    port = port or _free_port()
    store = folder / "jetstream"
    store.mkdir(parents=True, exist_ok=True)
    log = (folder / f"nats-{port}.log").open("ab")
    process = subprocess.Popen(
        [binary, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_listening(port, process, timeout=15.0)
        yield NatsServer(f"nats://127.0.0.1:{port}", port, store, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
