"""The incident engine in a child process, behind the engine's own interface.

The web process and the engine each get a GIL of their own: FastAPI and uvicorn parse requests
while the child stores, parses and correlates. Two threads here carry the traffic (a sender that
writes lists of queued messages to the pipe, a receiver that answers futures, publishes events and
hands clips over) and the receiver supervises: a child that dies fails every request still
waiting with EngineUnavailable and is started again, with backoff; the new child's engine restores
open incidents and re-parses what was stored but never parsed.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from concurrent.futures import Future, InvalidStateError
from dataclasses import replace
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

from csu.events import Event
from incidents.batching import take_batch
from incidents.clips import Clip, ClipSink
from incidents.commands import IncidentCommand
from incidents.engine import IntakeResult, Publish
from incidents.engine_child import MAX_MESSAGES, EngineSpec, child_main, engine_context
from incidents.events import IncidentSummary
from incidents.intake import FeedView
from incidents.mqtt import FeedStatus
from incidents.parsing import Submission

log = logging.getLogger(__name__)

RESTARTING = "incident engine restarting"
STOPPED = "incident engine stopped"
_ANY_CHILD = -1  # a feed's generation: whichever child is up takes it
_STOP = object()
Queued = tuple[int, tuple[Any, ...]]  # (child generation it was meant for, message)


class EngineUnavailable(RuntimeError):
    """The engine process is down (restarting or stopped); the request got no answer."""


class EngineStartError(RuntimeError):
    """The engine process did not come up; the message says why."""


class EngineProcess:
    """IncidentEngine's start/stop/submit/feed/command/pending, served by a child process."""

    def __init__(
        self,
        spec: EngineSpec,
        publish: Publish,
        on_clip: ClipSink | None = None,
        *,
        context: BaseContext | None = None,
        min_backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        start_timeout_s: float = 120.0,
    ) -> None:
        self._spec = spec
        self._publish = publish
        self._on_clip = on_clip
        # Any: typeshed gives BaseContext no Process, though every concrete context has one.
        self._context: Any = context or engine_context()
        self.min_backoff_s = min_backoff_s  # after a child that lived a minute: no wait at all
        self._max_backoff = max_backoff_s
        self._start_timeout = start_timeout_s
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a new child, or stopping
        self._queue: queue.Queue[Queued | object] = queue.Queue()
        self._waiting: dict[int, Future[Any]] = {}
        self._ids = itertools.count(1)
        self._gen, self._up, self._stopping = 0, False, False
        self._down = "incident engine not started"
        self._conn: Connection | None = None
        self._proc: BaseProcess | None = None
        self._sent = self._taken = self._child_pending = 0
        self._started_at, self._streak = 0.0, 0
        self.restarts = 0
        # The child's MQTT feeds as last reported (every quarter second, and when they change).
        self.feeds = [FeedView(FeedStatus(s.id)) for s in spec.sources if s.kind == "mqtt"]
        self.preloaded = False  # the last child came from a forkserver that had imported it
        self._sender = threading.Thread(target=self._send_loop, name="engine-sender", daemon=True)
        self._receiver = threading.Thread(target=self._supervise, name="engine-recv", daemon=True)

    @property
    def pid(self) -> int | None:
        """The running child's process id."""
        return self._proc.pid if self._proc is not None else None

    @property
    def available(self) -> bool:
        """True while a child is up and takes requests."""
        return self._up

    def start(self) -> None:
        """Start the child and wait until its engine has restored state; raises EngineStartError."""
        self._launch()
        self._sender.start()
        self._receiver.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Let the child drain its queue and exit; join, then kill what does not."""
        with self._changed:
            self._stopping, self._up, self._down = True, False, STOPPED
            self._changed.notify_all()
        self._queue.put(_STOP)
        for thread in (self._sender, self._receiver):
            if thread.ident is not None:  # started
                thread.join(timeout)
        proc = self._proc
        if proc is not None:
            proc.join(timeout)
            if proc.is_alive():
                log.error("incident engine process %s did not stop; killing it", proc.pid)
                proc.kill()
                proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._fail_waiting(STOPPED)

    def submit(self, submission: Submission) -> Future[IntakeResult]:
        """Queue a payload; the future resolves once it is stored, parsed and correlated."""
        return self._request("s", _crossing(submission))

    def feed(self, submission: Submission) -> None:
        """Queue a payload whose sender waits for no answer (taken by whichever child is up)."""
        self._queue.put((_ANY_CHILD, ("f", _crossing(submission))))

    def command(self, cmd: IncidentCommand) -> Future[IncidentSummary]:
        """Queue an operator action; resolves to the incident summary or raises its error."""
        return self._request("c", cmd)

    def pending(self) -> int:
        """Messages not yet sent, sent but not yet taken, and waiting in the child's writer."""
        return self._queue.qsize() + max(0, self._sent - self._taken) + self._child_pending

    def _request(self, kind: str, payload: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if not self._up:
                future.set_exception(EngineUnavailable(self._down))
                return future
            request_id = next(self._ids)
            self._waiting[request_id] = future
            gen = self._gen
        self._queue.put((gen, (kind, request_id, payload)))
        return future

    # Parent -> child

    def _send_loop(self) -> None:
        while True:
            batch, stopping = self._take()
            if batch and not self._deliver(batch):
                return
            if stopping:
                conn = self._conn
                try:
                    if conn is not None:
                        conn.send([("stop",)])
                except (OSError, ValueError):
                    pass  # the child is gone already
                return

    def _take(self) -> tuple[list[Queued], bool]:
        return take_batch(self._queue, _STOP, MAX_MESSAGES)

    def _deliver(self, batch: list[Queued]) -> bool:
        """Send to the child that is up; False once stopping leaves nobody to send to."""
        while True:
            with self._lock:
                conn, gen = self._conn, self._gen
            # Requests meant for a child that died were failed with it: never replay them.
            messages = [m for g, m in batch if g in (gen, _ANY_CHILD)]
            if not messages:
                return True
            try:
                assert conn is not None
                conn.send(messages)
            except (OSError, ValueError):
                if not self._wait_for_next(gen):
                    return False
                continue
            with self._lock:
                if self._gen == gen:
                    self._sent += len(messages)
            return True

    def _wait_for_next(self, gen: int) -> bool:
        """Wait until child `gen` is replaced; False if stopping comes first."""
        with self._changed:
            self._changed.wait_for(lambda: self._gen != gen or self._stopping)
            return self._gen != gen

    # Child -> parent, and supervision

    def _supervise(self) -> None:
        while True:
            conn, proc = self._conn, self._proc
            assert conn is not None and proc is not None
            self._receive(conn)
            if self._stopping:
                return
            self._on_death(proc)
            if not self._respawn():
                return
            if self._stopping and self._conn is not None:
                self._conn.close()  # stop came while respawning: the child drains on EOF
                return

    def _receive(self, conn: Connection) -> None:
        while True:
            try:
                taken, pending, messages = conn.recv()
            except (EOFError, OSError):
                return
            except Exception:  # a message that did not unpickle; the stream is still in step
                log.exception("unreadable message from the incident engine process")
                continue
            self._taken, self._child_pending = taken, pending
            if any(m[0] == "bye" for m in messages):
                self._dispatch([m for m in messages if m[0] != "bye"])
                return
            self._dispatch(messages)

    def _dispatch(self, messages: list[tuple[Any, ...]]) -> None:
        with self._lock:
            answers = [(self._waiting.pop(m[1], None), m) for m in messages if m[0] in ("r", "x")]
        for future, (kind, _, value) in answers:
            if future is not None:
                _settle(future, value, error=kind == "x")
        for message in messages:
            if message[0] == "e":
                self._announce(message[1])
            elif message[0] == "k":
                self._hand_clip(message[1])
            elif message[0] == "feeds":
                for view, status in zip(self.feeds, message[1], strict=False):
                    view.status = status

    def _announce(self, event: Event) -> None:
        try:
            self._publish(event)
        except Exception:
            log.exception("incident event %s not published", event.topic)

    def _hand_clip(self, clip: Clip) -> None:
        if self._on_clip is None:
            return
        try:
            self._on_clip(clip)
        except Exception:  # the incident is stored; a recorder's trouble must not undo it
            log.exception("clip of camera %s not handed over", clip.camera_id)

    def _on_death(self, proc: BaseProcess) -> None:
        with self._lock:
            self._up, self._down = False, RESTARTING
        proc.join(5)  # its pipe is closed: it is gone or about to be
        if proc.is_alive():  # one writer only: it must be gone before another starts
            proc.kill()
            proc.join(5)
        lived = time.monotonic() - self._started_at
        self._streak = 0 if lived > 60 else self._streak + 1
        failed = self._fail_waiting(RESTARTING)
        for view in self.feeds:  # the feeds lived in the dead process
            view.status = replace(view.status, connected=False, last_error=RESTARTING)
        log.error(
            "incident engine process %s died (exit code %s) after %.0f s; %d waiting requests"
            " failed; restarting it",
            proc.pid,
            proc.exitcode,
            lived,
            failed,
        )

    def _fail_waiting(self, reason: str) -> int:
        with self._lock:
            waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            _settle(future, EngineUnavailable(reason), error=True)
        return len(waiting)

    def _respawn(self) -> bool:
        """Start a new child, with backoff; False if stopping came first."""
        while True:
            delay = self._backoff()
            with self._changed:
                if self._changed.wait_for(lambda: self._stopping, timeout=delay):
                    return False
            try:
                self._launch()
            except EngineStartError as exc:
                self._streak += 1
                log.error("incident engine process did not restart: %s", exc)
                continue
            self.restarts += 1
            log.warning("incident engine process %s is back", self.pid)
            return True

    def _backoff(self) -> float:
        if self._streak == 0:
            return 0.0
        return min(self._max_backoff, self.min_backoff_s * 2.0 ** (self._streak - 1))

    def _launch(self) -> None:
        parent_conn, child_conn = self._context.Pipe()
        proc = self._context.Process(
            target=child_main, args=(self._spec, child_conn), name="csu-incident-engine"
        )
        # Not a daemon: the engine process starts the MQTT intake's process itself.
        proc.daemon = False
        proc.start()
        child_conn.close()  # the child's end lives in the child only: its death reads as EOF
        try:
            self.preloaded = self._handshake(parent_conn, proc)
        except BaseException:
            parent_conn.close()
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
            raise
        with self._changed:
            self._conn, self._proc, self._gen = parent_conn, proc, self._gen + 1
            self._sent = self._taken = self._child_pending = 0
            self._up, self._started_at = not self._stopping, time.monotonic()
            self._changed.notify_all()

    def _handshake(self, conn: Connection, proc: BaseProcess) -> bool:
        """Wait for the child's "ready" (dispatching what it publishes meanwhile)."""
        deadline = time.monotonic() + self._start_timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise EngineStartError(f"not ready after {self._start_timeout:.0f} s")
            if not conn.poll(min(left, 1.0)):
                continue
            try:
                _, _, messages = conn.recv()
            except (EOFError, OSError):
                proc.join(5)
                raise EngineStartError(f"exited with code {proc.exitcode}") from None
            self._dispatch(messages)
            for message in messages:
                if message[0] == "failed":
                    raise EngineStartError(message[1])
                if message[0] == "ready":
                    return bool(message[1])


def _crossing(submission: Submission) -> Submission:
    # Refused here, in the caller's thread: pickling it in the sender thread would fail there.
    if submission.on_stored is not None:
        raise ValueError("on_stored cannot cross to the engine process")
    return submission


def _settle(future: Future[Any], value: Any, *, error: bool) -> None:
    try:
        if error:
            future.set_exception(value)
        else:
            future.set_result(value)
    except InvalidStateError:  # the caller cancelled (an HTTP client that went away)
        pass
