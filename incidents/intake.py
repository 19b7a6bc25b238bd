"""MQTT intake in a process of its own: receive, store raw, parse; the engine correlates.

At ten thousand alarms a second, receiving, storing and parsing take about half a core, and
correlating and storing alarms as much again; one Python process runs one core at a time. So the
feeds run in an intake process that stores each batch raw (one commit, then the broker's
acknowledgements when the source asks for `ack: stored`), parses it, and sends the engine a
`ParsedBatch` of rows (plain values, cheap to pickle). The engine correlates them and marks the raw
payloads; with parsing here the two processes take about even shares.

Backpressure runs back to the broker: when the engine is behind, the receiving thread stops
reading the pipe, the intake's sends block, its queue grows past `MAX_PENDING`, and the feeds stop
reading from the broker, which keeps the rest (QoS 1, persistent session).
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as MpEvent
from typing import Any, Protocol

from csu.config import AlarmSourceConfig
from csu.db import Database
from csu.processes import process_context, quick_thread_switches
from incidents.mqtt import MAX_PENDING, FeedStatus, MqttFeed
from incidents.parsing import MAX_PAYLOAD_BYTES, Submission
from incidents.records import ParsedBatch, prepared
from incidents.store import insert_raw_ids

log = logging.getLogger(__name__)

MAX_BATCH = 500
LINGER_S = 0.004  # under a steady flow, the longest wait for a batch to fill
# What the fork server imports once for the incident processes (the engine's and this one).
PRELOAD = ("incidents.engine_child", "incidents.intake")
STATUS_EVERY_S = 0.25


class Engine(Protocol):
    """What the intake hands its payloads to."""

    def feed_stored(self, payloads: ParsedBatch) -> None: ...

    def pending(self) -> int: ...

    def recover_unparsed(self) -> Future[int]: ...


@dataclass
class FeedView:
    """A feed as the parent process sees it: its last reported status."""

    status: FeedStatus


class IntakeStage:
    """Inside the intake process: batches the feeds' messages, stores, acknowledges, parses."""

    def __init__(self, db: Database, send: Any) -> None:
        self._db = db
        self._send = send
        # A deque and an event rather than a queue.Queue: two lock round trips a message fewer.
        self._items: deque[Submission] = deque()
        self._arrived = threading.Event()
        self._stopping = False
        self._busy = 0
        self.failed = threading.Event()  # a batch could not be stored: the process must end
        self._thread = threading.Thread(target=self._run, name="mqtt-intake", daemon=True)

    def start(self) -> None:
        """Start the storing thread."""
        self._thread.start()

    def stop(self) -> None:
        """Store and send what is queued, then stop."""
        self._stopping = True
        self._arrived.set()
        self._thread.join(30)

    def feed(self, submission: Submission) -> None:
        """A message from a feed (called on the feed's network thread)."""
        self._items.append(submission)
        if not self._arrived.is_set():
            self._arrived.set()

    def pending(self) -> int:
        """Messages received and not yet sent to the engine."""
        return len(self._items) + self._busy

    def _run(self) -> None:
        last = 0.0
        while not self.failed.is_set():
            self._arrived.wait()
            # Under a steady flow, a moment for more to arrive: a batch costs a commit, a send and
            # the engine's own batch (about half a millisecond) whatever its size.
            now = time.monotonic()
            if now - last < LINGER_S * 2 and len(self._items) < MAX_BATCH and not self._stopping:
                time.sleep(LINGER_S)
            last = now
            self._arrived.clear()  # before draining: what arrives meanwhile sets it again
            while self._items:
                batch = [self._items.popleft() for _ in range(min(MAX_BATCH, len(self._items)))]
                self._busy = len(batch)
                try:
                    self._store(batch)
                except Exception:
                    # Ending the process ends its connections: what was not stored (nor so
                    # acknowledged) the broker sends again to the next; what was stored but not
                    # handed over is parsed in place by the engine before the next one starts.
                    log.exception("MQTT intake could not store %d payloads", len(batch))
                    self.failed.set()
                    return
                self._busy = 0
            if self._stopping:
                return

    def _store(self, batch: list[Submission]) -> None:
        with self._db.session() as session:
            raw_ids = insert_raw_ids(session, batch)
        for submission in batch:
            if submission.on_stored is not None:
                submission.on_stored()
        now = datetime.now(UTC)
        parsed = [prepared(s, raw_id, now) for s, raw_id in zip(batch, raw_ids, strict=True)]
        self._send(("payloads", ParsedBatch(parsed)))


def _child(
    sources: Sequence[AlarmSourceConfig],
    db_url: str,
    conn: Connection,
    stop: MpEvent,
    max_payload_bytes: int,
) -> None:
    # The parent decides when the intake stops (it drains first); a Ctrl-C sent to the whole
    # process group must not cut a batch between its commit and its hand-over.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    db = Database(db_url)
    lock = threading.Lock()

    def send(message: tuple[str, Any]) -> None:
        with lock:
            conn.send(message)

    stage = IntakeStage(db, send)
    feeds = [MqttFeed(source, stage, max_payload_bytes=max_payload_bytes) for source in sources]
    stage.start()
    for feed in feeds:
        feed.start()
    gc.freeze()  # what start-up built stays: full collections need not walk it
    quick_thread_switches()  # feed thread and storing thread hand batches over
    try:
        while not stop.wait(STATUS_EVERY_S) and not stage.failed.is_set():
            send(("status", [replace(f.status) for f in feeds]))
    finally:
        for feed in feeds:
            feed.stop()
        stage.stop()
        send(("status", [replace(f.status, connected=False) for f in feeds]))
        conn.close()
        db.dispose()


class MqttIntake:
    """The parent's side: runs the intake process and hands what it parsed to the engine."""

    def __init__(
        self,
        sources: Sequence[AlarmSourceConfig],
        db_url: str,
        engine: Engine,
        on_status: Callable[[list[FeedStatus]], None] | None = None,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
    ) -> None:
        self.sources = [s for s in sources if s.kind == "mqtt"]
        self._max_payload = max_payload_bytes
        self.feeds = [FeedView(FeedStatus(s.id)) for s in self.sources]
        self._db_url = db_url
        self._engine = engine
        self._on_status = on_status  # told of every status report (the engine's process relays)
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        self.pid: int | None = None  # the intake process now running
        self.restarts = 0

    def start(self) -> None:
        """Start the intake process (none without MQTT sources), restarted if it dies."""
        if not self.sources:
            return
        self._supervisor = threading.Thread(target=self._supervise, name="mqtt-intake-parent")
        self._supervisor.start()

    def stop(self) -> None:
        """Disconnect the feeds, hand over what was stored, stop the process."""
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(60)

    def _supervise(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            started = time.monotonic()
            self._run_once()
            if self._stopping.is_set():
                return
            backoff = 0.5 if time.monotonic() - started > 60 else min(backoff * 2, 30.0)
            log.error("MQTT intake process ended; restarting in %.1f s", backoff)
            self._recover()
            self._stopping.wait(backoff)
            self.restarts += 1

    def _recover(self) -> None:
        # What the dead process stored (and so acknowledged) but never sent is parsed now, before
        # a new process stores anything the engine could mistake for it.
        try:
            count = self._engine.recover_unparsed().result(timeout=300)
        except Exception:
            log.exception("could not recover what the MQTT intake left unparsed")
            return
        if count:
            log.warning("recovered %d payloads the MQTT intake stored but never handed over", count)

    def _run_once(self) -> None:
        ctx = process_context(preload=PRELOAD)
        receive, send = ctx.Pipe(duplex=False)
        stop = ctx.Event()
        process = ctx.Process(
            target=_child,
            args=(self.sources, self._db_url, send, stop, self._max_payload),
            name="csu-mqtt-intake",
        )
        process.start()
        self.pid = process.pid
        send.close()
        watcher = threading.Thread(target=self._stop_when_asked, args=(stop,), daemon=True)
        watcher.start()
        try:
            self._receive(receive)
        finally:
            receive.close()
            process.join(30)
            if process.is_alive():
                process.kill()
                process.join(5)
            self.pid = None
            for view in self.feeds:
                view.status = replace(view.status, connected=False)
            self._report()

    def _report(self) -> None:
        if self._on_status is None:
            return
        try:
            self._on_status([view.status for view in self.feeds])
        except Exception:  # a relay's trouble must not stop the intake
            log.exception("MQTT feed status not relayed")

    def _stop_when_asked(self, stop: MpEvent) -> None:
        self._stopping.wait()
        stop.set()

    def _receive(self, conn: Connection) -> None:
        while True:
            try:
                kind, body = conn.recv()
            except (EOFError, OSError):
                return
            if kind == "status":
                for view, status in zip(self.feeds, body, strict=False):
                    view.status = status
                self._report()
                continue
            while self._engine.pending() > MAX_PENDING and not self._stopping.is_set():
                time.sleep(0.01)
            self._engine.feed_stored(body)
