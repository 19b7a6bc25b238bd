"""The incident engine's own process: the engine and the MQTT feeds, talking to the web process.

The web process sends lists of messages over one pipe (payloads, actions, stop); this side answers
with lists too: one per handful of answers, events and clips, each headed by how many messages it
has taken and how many still wait for the writer (the parent's `pending`). Batching both ways
keeps the pickling and system calls per alarm low at 10,000 alarms a second.

Children come from a forkserver that has imported this module (and what the parent's main
module imports), so each starts in a few tens of milliseconds with everything loaded.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import pickle
import queue
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from typing import Any

from csu.config import AlarmSourceConfig
from csu.db import Database
from csu.events import Event
from csu.processes import process_context, quick_thread_switches
from incidents.batching import drain_batch
from incidents.clips import Clip, ClipPolicy
from incidents.correlation import CorrelationSettings, Correlator, Rule
from incidents.coverage import CameraCone
from incidents.engine import IncidentEngine
from incidents.intake import PRELOAD, MqttIntake
from incidents.mqtt import FeedStatus
from incidents.parsing import MAX_PAYLOAD_BYTES

log = logging.getLogger(__name__)

# Imported here: a child whose pid differs was forked from a server that had preloaded us.
_IMPORTED_BY = os.getpid()
MAX_MESSAGES = 2000  # per pipe write, either way
STATUS_EVERY_S = 0.2  # an idle child still tells the parent how much is pending


@dataclass(frozen=True)
class EngineSpec:
    """Everything the child needs to build the engine and its feeds."""

    database_url: str
    rules: Sequence[Rule]
    cameras: Sequence[CameraCone]
    settings: CorrelationSettings | None = None
    clips: ClipPolicy | None = None
    sources: Sequence[AlarmSourceConfig] = ()
    send_clips: bool = False  # the parent has a clip sink
    log_level: int = logging.INFO
    max_payload_bytes: int = MAX_PAYLOAD_BYTES  # of an MQTT message


def engine_context() -> ForkServerContext:
    """The fork-server context, with this module (and the MQTT intake's) preloaded."""
    return process_context(preload=PRELOAD)


def crossing(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling, else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    exc.__traceback__ = None
    return exc


class Outbox:
    """Child -> parent: one thread sends what the engine answers and announces, in lists."""

    def __init__(self, conn: Connection, engine: IncidentEngine, taken: list[int]) -> None:
        self._conn = conn
        self._engine = engine
        self._taken = taken  # one counter the receiving thread increments
        self._queue: queue.Queue[tuple[Any, ...] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="engine-outbox", daemon=True)

    def start(self) -> None:
        """Start sending."""
        self._thread.start()

    def put(self, message: tuple[Any, ...]) -> None:
        """Queue one message for the parent."""
        self._queue.put(message)

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued, then the goodbye, and stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def answer(self, request_id: int, future: Future[Any]) -> None:
        """Future callback: the answer to request `request_id`, or its error."""
        exc = future.exception()
        if exc is None:
            self._queue.put(("r", request_id, future.result()))
        else:
            self._queue.put(("x", request_id, crossing(exc)))

    def _run(self) -> None:
        last_status: tuple[int, int] | None = None
        while True:
            try:
                first = self._queue.get(timeout=STATUS_EVERY_S)
            except queue.Empty:
                status = (self._taken[0], self._engine.pending())
                if status != last_status and self._send([]):
                    last_status = status
                continue
            messages, closing = self._drain(first)
            if closing:
                self._send([*messages, ("bye",)])
                return
            if not self._send(messages):
                return
            last_status = None

    def _drain(self, first: tuple[Any, ...] | None) -> tuple[list[tuple[Any, ...]], bool]:
        return drain_batch(self._queue, first, None, MAX_MESSAGES)

    def _send(self, messages: list[tuple[Any, ...]]) -> bool:
        try:
            self._conn.send((self._taken[0], self._engine.pending(), messages))
        except (OSError, ValueError):  # the parent is gone; it will fail its own futures
            return False
        return True


class EngineChild:
    """The engine, its feeds and the two ends of the pipe, inside the child."""

    def __init__(self, spec: EngineSpec, conn: Connection) -> None:
        self._conn = conn
        self._db = Database(spec.database_url)
        self._taken = [0]
        correlator = Correlator(rules=spec.rules, cameras=spec.cameras, settings=spec.settings)
        self.engine = IncidentEngine(
            self._db,
            self._publish,
            correlator,
            clips=spec.clips,
            on_clip=self._clip if spec.send_clips else None,
        )
        self._outbox = Outbox(conn, self.engine, self._taken)
        self._intake = MqttIntake(
            spec.sources,
            spec.database_url,
            self.engine,
            on_status=self._feed_status,
            max_payload_bytes=spec.max_payload_bytes,
        )

    def start(self) -> bool:
        """Outbox first (restoring may publish), then the engine, then the feeds."""
        self._outbox.start()
        try:
            self.engine.start()
        except Exception as exc:
            log.exception("incident engine did not start")
            self._outbox.put(("failed", f"{type(exc).__name__}: {exc}"))
            self._outbox.close()
            return False
        try:
            self._intake.start()
        except Exception:  # a broken intake must not keep the engine from serving
            log.exception("MQTT intake did not start")
        self._outbox.put(("ready", os.getpid() != _IMPORTED_BY))
        return True

    def serve(self) -> None:
        """Hand what the parent sends to the engine until it says stop or goes away."""
        while True:
            try:
                messages: list[tuple[Any, ...]] = self._conn.recv()
            except (EOFError, OSError):
                log.warning("web process gone: incident engine stopping")
                return
            for message in messages:
                if message[0] == "stop":
                    return
                self._hand(message)
            self._taken[0] += len(messages)

    def stop(self) -> None:
        """Intake first (it feeds the engine), then drain the engine, then flush the outbox."""
        try:
            self._intake.stop()
        except Exception:
            log.exception("MQTT intake did not stop cleanly")
        self.engine.stop()
        self._outbox.close()
        self._db.dispose()

    def _hand(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "s":
            future: Future[Any] = self.engine.submit(message[2])
        elif kind == "c":
            future = self.engine.command(message[2])
        else:
            self.engine.feed(message[1])
            return
        future.add_done_callback(functools.partial(self._outbox.answer, message[1]))

    def _publish(self, event: Event) -> None:
        self._outbox.put(("e", event))

    def _clip(self, clip: Clip) -> None:
        self._outbox.put(("k", clip))

    def _feed_status(self, statuses: list[FeedStatus]) -> None:
        self._outbox.put(("feeds", statuses))


def child_main(spec: EngineSpec, conn: Connection) -> None:
    """Entry point of the engine process."""
    # Everything imported so far came from the forkserver and lives as long as we do: a full
    # collection walking it (and copying its pages) would add about 0.1 s to every start.
    gc.freeze()
    quick_thread_switches()  # a batch passes through four threads here
    # The web process decides when the engine stops (it drains first); a Ctrl-C or a SIGTERM
    # sent to the whole process group must not kill the writer mid-batch.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(
        level=spec.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        child = EngineChild(spec, conn)
    except BaseException as exc:
        log.exception("incident engine did not start")
        conn.send((0, 0, [("failed", f"{type(exc).__name__}: {exc}")]))
        raise SystemExit(1) from None
    if not child.start():
        raise SystemExit(1)
    try:
        child.serve()
    finally:
        child.stop()
        conn.close()
