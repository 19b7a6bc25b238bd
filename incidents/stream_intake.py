"""Intake on a cluster's API node: every payload received goes into the alarm stream
(incidents.stream), and its sender hears back only once JetStream has stored it.

An HTTP post awaits `put` and is answered after JetStream's acknowledgement, or 503 when
JetStream cannot store it in time. The MQTT feeds hand their messages over from their threads
(`feed`, the feeds' AlarmSink); each is published from the event loop, many at once, and
acknowledged to the broker (`on_stored`) after JetStream's acknowledgement. One that JetStream
refuses is published again, the same message under the same ids, with backoff, until it is
stored or csu stops: then it stays unacknowledged and the broker delivers it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.errors import Error as NatsError
from nats.js.client import JetStreamContext
from pydantic import BaseModel, Field

from csu.backoff import Backoff
from incidents.engine import EngineUnavailable
from incidents.events import AlarmHeading
from incidents.parsing import Submission
from incidents.records import prepared
from incidents.stream import (
    StreamSettings,
    ensure_stream,
    message_id,
    new_intake_id,
    pack,
    subject,
)

log = logging.getLogger(__name__)

MSG_ID_HEADER = "Nats-Msg-Id"
_RETRY = Backoff(initial_s=0.2, maximum_s=5.0)
_FEED_BATCH = 1000  # MQTT messages published at once, their acknowledgements awaited together


class StreamUnavailable(EngineUnavailable):
    """JetStream did not store the payload in time: the sender should send it again."""


@dataclass(frozen=True)
class Stored:
    """JetStream's word on a payload: its sequence, and whether it had it already."""

    seq: int
    duplicate: bool


@dataclass(frozen=True)
class _Outgoing:
    submission: Submission
    subject: str
    data: bytes
    msg_id: str


class AlarmPublisher:
    """Puts payloads into the alarm stream; see the module."""

    def __init__(self, js: JetStreamContext, settings: StreamSettings, *, node: str) -> None:
        self.settings = settings
        self._js = js
        self._node = node
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: deque[Submission] = deque()
        self._in_flight = 0
        self._wake = asyncio.Event()
        self._lock = threading.Lock()
        self._woken = False
        self._task: asyncio.Task[None] | None = None
        self._rng = random.Random()

    async def start(self) -> None:
        """Make (or update) the stream and start sending what the feeds hand over."""
        self._loop = asyncio.get_running_loop()
        await ensure_stream(self._js, self.settings)
        self._task = asyncio.create_task(self._send_fed(), name="alarm-stream:mqtt")

    async def stop(self) -> None:
        """Stop sending; what the feeds handed over and JetStream has not stored stays
        unacknowledged at the broker."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._waiting:
            log.info("%d MQTT alarms left to their broker at stop", len(self._waiting))
            self._waiting.clear()

    async def put(self, submission: Submission) -> Stored:
        """Store one payload in the stream; raises StreamUnavailable if JetStream did not."""
        return await self._publish(self._outgoing(submission))

    def feed(self, submission: Submission) -> None:
        """Take an MQTT message (any thread); its `on_stored` runs once JetStream has it."""
        self._waiting.append(submission)
        with self._lock:
            if self._woken or self._loop is None:
                return
            self._woken = True
        self._loop.call_soon_threadsafe(self._wake.set)

    def pending(self) -> int:
        """MQTT messages not yet stored in the stream (the feeds stop reading past a bound)."""
        return len(self._waiting) + self._in_flight

    def _outgoing(self, submission: Submission) -> _Outgoing:
        data = pack(submission, intake_id=new_intake_id(), node=self._node)
        return _Outgoing(
            submission, subject(self.settings, submission.channel), data, message_id(submission)
        )

    async def _publish(self, item: _Outgoing) -> Stored:
        s = self.settings
        try:
            ack = await self._js.publish(
                item.subject,
                item.data,
                timeout=s.publish_timeout_s,
                stream=s.stream,
                headers={MSG_ID_HEADER: item.msg_id},
            )
        except (NatsError, TimeoutError, OSError) as exc:
            raise StreamUnavailable(f"the alarm stream did not store it: {exc!r}") from None
        return Stored(ack.seq, bool(ack.duplicate))

    async def _send_fed(self) -> None:
        while True:
            await self._wake.wait()
            with self._lock:
                self._wake.clear()
                self._woken = False
            while self._waiting:
                batch: list[_Outgoing] = []
                while self._waiting and len(batch) < _FEED_BATCH:
                    batch.append(self._outgoing(self._waiting.popleft()))
                self._in_flight = len(batch)
                try:
                    await asyncio.gather(*(self._until_stored(item) for item in batch))
                finally:
                    self._in_flight = 0

    async def _until_stored(self, item: _Outgoing) -> None:
        attempt = 0
        while True:
            try:
                await self._publish(item)
                break
            except StreamUnavailable as exc:
                if attempt == 0:
                    log.warning("MQTT alarm not stored in the stream yet: %s", exc)
                await asyncio.sleep(_RETRY.delay(attempt, self._rng))
                attempt += 1
        if item.submission.on_stored is not None:
            try:
                item.submission.on_stored()
            except Exception:  # a feed's bookkeeping must not stop the sender
                log.exception("MQTT acknowledgement failed")


class QueuedResult(BaseModel):
    """A cluster's answer to a payload: stored in the alarm stream, read on the node that took
    it; the engine stores and correlates it next (its alarms reach consoles as they are)."""

    seq: int = Field(description="The payload's sequence in the alarm stream.")
    duplicate: bool = Field(description="The stream had it already: the same payload sent again.")
    accepted: bool
    error: str | None = None
    alarms: list[AlarmHeading] = []
    skipped: list[str] = []


def queued_result(submission: Submission, stored: Stored) -> QueuedResult:
    """The answer to a stored payload, read here as the engine will read it (records.prepared)."""
    payload = prepared(submission, 0, datetime.now(UTC))
    alarms = [AlarmHeading.model_validate(r, from_attributes=True) for r in payload.rows]
    return QueuedResult(
        seq=stored.seq,
        duplicate=stored.duplicate,
        accepted=payload.error is None,
        error=payload.error,
        alarms=alarms,
        skipped=payload.skipped,
    )
