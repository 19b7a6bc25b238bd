"""Witnesses off the machine: each checkpoint to a syslog host (RFC 5424) or a NATS stream.

Whoever owns the data folder can rewrite the database, the key and the local witness file, but
not what another machine already received. Records leave in order on a thread per witness, so a
slow or absent witness never holds up a request; while one is away they wait (up to BACKLOG, the
oldest dropped first) and are sent when it is back.
"""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import os
import random
import socket
import threading
from collections import deque
from collections.abc import Coroutine
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from csu.backoff import Backoff
from csu.nats_client import connect
from privacy.access_log.witness import APP_NAME, Witnessed, read_records

log = logging.getLogger(__name__)

BACKLOG = 10_000
RETRY = Backoff(initial_s=1.0, maximum_s=30.0)
SEND_TIMEOUT = 5.0
NATS_STREAM = "CSU_ACCESS_LOG"
NATS_SUBJECT = "csu.access_log.checkpoints"
T = TypeVar("T")


class Sender(Protocol):
    """Delivers one record to one witness, raising OSError when it could not."""

    name: str

    def send(self, record: str) -> None:
        """Deliver the record (blocking); OSError when the witness did not take it."""
        ...

    def close(self) -> None:
        """Drop the connection; the next send opens a new one."""
        ...


class RemoteWitness:
    """Queues witness records and sends them in order from a thread of its own."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.sent = 0
        self._pending: deque[str] = deque(maxlen=BACKLOG)
        self._rng = random.Random()
        self._wake = threading.Condition()
        self._closing = False
        name = f"witness {sender.name}"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def witness(self, record: str) -> None:
        """Queue a record; it leaves at once unless the witness is away."""
        with self._wake:
            self._pending.append(record)
            self._wake.notify()

    def close(self, timeout: float = SEND_TIMEOUT) -> None:
        """Send what is queued (within timeout), then stop."""
        with self._wake:
            self._closing = True
            self._wake.notify()
        self._thread.join(timeout)
        if self._pending:
            log.error(
                "witness %s: %d checkpoint(s) not delivered at shutdown",
                self.sender.name,
                len(self._pending),
            )
        self.sender.close()

    def _run(self) -> None:
        failures = 0
        while True:
            with self._wake:
                while not self._pending and not self._closing:
                    self._wake.wait()
                if not self._pending:
                    return
                record = self._pending[0]
            try:
                self.sender.send(record)
            except OSError as exc:
                failures = self._failed(failures, exc)
                if self._closing:
                    return
                continue
            with self._wake:
                if self._pending and self._pending[0] is record:
                    self._pending.popleft()
            self.sent += 1
            if failures:
                log.warning("witness %s is back after %d failed tries", self.sender.name, failures)
            failures = 0

    def _failed(self, failures: int, exc: OSError) -> int:
        if failures == 0:
            log.error("witness %s: checkpoint not delivered, will retry: %s", self.sender.name, exc)
        self.sender.close()
        delay = RETRY.delay(failures, self._rng)
        with self._wake:
            if not self._closing:
                self._wake.wait(delay)
        return failures + 1


class _Rfc5424(logging.Formatter):
    """VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG, after the handler's <PRI>."""

    def __init__(self, *, framed: bool) -> None:
        super().__init__()
        self._host = socket.gethostname() or "-"
        # TCP needs a frame: LF ends each message (RFC 6587 non-transparent framing).
        self._end = "\n" if framed else ""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="microseconds")
        stamp = stamp.replace("+00:00", "Z")
        header = f"1 {stamp} {self._host} {APP_NAME} {os.getpid()} checkpoint -"
        return f"{header} {record.getMessage()}{self._end}"


class _RaisingSysLogHandler(logging.handlers.SysLogHandler):
    """A SysLogHandler whose delivery errors reach the caller instead of stderr."""

    def handleError(self, record: logging.LogRecord) -> None:
        raise  # the error emit() is handling, so that send() sees it


class SyslogSender:
    """RFC 5424 messages over UDP or TCP, by the standard library's SysLogHandler."""

    def __init__(self, host: str, port: int, *, tcp: bool) -> None:
        self.name = f"syslog+{'tcp' if tcp else 'udp'}://{host}:{port}"
        self._address = (host, port)
        self._tcp = tcp
        self._handler: logging.handlers.SysLogHandler | None = None

    def send(self, record: str) -> None:
        """Send one message (authpriv.notice)."""
        if self._handler is None:
            self._handler = _RaisingSysLogHandler(
                self._address,
                facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV,
                socktype=socket.SOCK_STREAM if self._tcp else socket.SOCK_DGRAM,
            )
            self._handler.append_nul = False
            self._handler.setFormatter(_Rfc5424(framed=self._tcp))
            connected = getattr(self._handler, "socket", None)
            if connected is not None:
                connected.settimeout(SEND_TIMEOUT)
        message = logging.LogRecord(APP_NAME, logging.WARNING, __file__, 0, record, None, None)
        self._handler.emit(message)

    def close(self) -> None:
        """Close the socket."""
        if self._handler is not None:
            self._handler.close()
            self._handler = None


class _LoopThread:
    """An asyncio loop on a thread of its own, for a client library that is async only."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run the coroutine on the loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def stop(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(SEND_TIMEOUT)
        if not self._thread.is_alive():
            self.loop.close()


class NatsSender:
    """Publishes each record to a JetStream stream and waits for the stream's acknowledgement."""

    def __init__(self, url: str, *, stream: str = NATS_STREAM, subject: str = NATS_SUBJECT) -> None:
        self.name = f"{url} stream {stream}"
        self._url, self._stream, self._subject = url, stream, subject
        self._loop: _LoopThread | None = None
        self._client: Any = None

    def send(self, record: str) -> None:
        """Publish one record; OSError unless the stream stored it."""
        if self._loop is None:
            self._loop = _LoopThread(f"witness {self.name}")
        try:
            self._loop.run(self._publish(record.encode()), SEND_TIMEOUT * 2)
        except OSError:
            raise  # TimeoutError is one
        except Exception as exc:  # nats-py's errors are not OSErrors
            raise OSError(f"{type(exc).__name__}: {exc}") from exc

    async def _publish(self, data: bytes) -> None:
        if self._client is None or self._client.is_closed:
            self._client = await connect(
                self._url, "csu-witness", patient=False, first_within_s=SEND_TIMEOUT
            )
            js = self._client.jetstream()
            try:
                await js.stream_info(self._stream)
            except NotFoundError:
                # Made here only when the NATS administrator has not: no deletes, no purges.
                config = StreamConfig(
                    name=self._stream, subjects=[self._subject], deny_delete=True, deny_purge=True
                )
                await js.add_stream(config)
        await self._client.jetstream().publish(self._subject, data, timeout=SEND_TIMEOUT)

    def close(self) -> None:
        """Close the connection and the loop."""
        if self._loop is None:
            return
        if self._client is not None and not self._client.is_closed:
            try:
                self._loop.run(self._client.close(), SEND_TIMEOUT)
            except Exception as exc:  # closing a broken connection may fail in many ways
                log.debug("closing %s: %s", self.name, exc)
        self._client = None
        self._loop.stop()
        self._loop = None


def nats_target(url: str) -> tuple[str, str, str]:
    """(server URL, stream, subject) from nats://host:port[?stream=S&subject=S]."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    server = parts._replace(query="").geturl()
    return (
        server,
        query.get("stream", [NATS_STREAM])[0],
        query.get("subject", [NATS_SUBJECT])[0],
    )


def remote_witness(url: str) -> RemoteWitness:
    """The witness a CSU_ACCESS_LOG_WITNESS URL names (checked by the settings)."""
    parts = urlsplit(url)
    if parts.scheme in ("syslog+udp", "syslog+tcp"):
        sender: Sender = SyslogSender(
            parts.hostname or "127.0.0.1",
            parts.port or 514,
            tcp=parts.scheme == "syslog+tcp",
        )
    elif parts.scheme == "nats":
        server, stream, subject = nats_target(url)
        sender = NatsSender(server, stream=stream, subject=subject)
    else:
        raise ValueError(f"unknown witness {url!r}: syslog+udp://, syslog+tcp:// or nats://")
    return RemoteWitness(sender)


def read_nats_witness(url: str) -> Witnessed:
    """Every record the NATS stream holds, read back for verification."""
    server, stream, subject = nats_target(url)
    source = f"{url} stream {stream}"
    loop = _LoopThread("witness reader")
    try:
        lines, missing = loop.run(_stream_lines(server, stream, subject), 120)
    except Exception as exc:  # nats-py's errors are not OSErrors
        return Witnessed(errors=[f"{source}: cannot read it: {type(exc).__name__}: {exc}"])
    finally:
        loop.stop()
    found = read_records(lines, source=source, strict=True)
    found.errors += [f"{source}: message {n} deleted from the witness" for n in missing]
    return found


async def _stream_lines(server: str, stream: str, subject: str) -> tuple[list[str], list[int]]:
    client = await connect(server, "csu-witness-reader", patient=False, first_within_s=SEND_TIMEOUT)
    try:
        js = client.jetstream()
        state = (await js.stream_info(stream)).state
        lines, missing = [], []
        for seq in range(state.first_seq, state.last_seq + 1) if state.messages else ():
            try:
                message = await js.get_msg(stream, seq)
            except NotFoundError:
                missing.append(seq)
                continue
            if message.data is not None and (message.subject or subject) == subject:
                lines.append(message.data.decode("utf-8", errors="replace"))
        return lines, missing
    finally:
        await client.close()
