"""A cluster's alarm stream: raw payloads in JetStream, between the API nodes that receive them and
the one incident engine that stores, parses and correlates them.

Stream `CSU_ALARMS` (file storage, subjects `csu.alarms.<channel>`), a work queue: a message
stays until the engine acknowledges it, which it does once the payload's raw row is committed.
Nothing unconsumed ever ages out; a full stream (`max_bytes`) refuses new payloads, and the API
node answers 503 (an MQTT message stays unacknowledged at the broker) rather than drop old ones.

A message is one payload exactly as received: a one-line JSON head (channel, receipt time,
content type, source hint, Link header, refusal, intake id, receiving node), a newline, then the
body's bytes untouched. Two ids keep it once:
- `Nats-Msg-Id`, a digest of what identifies the payload (channel, source hint, content type,
  Link header, refusal, body; not the receipt time): a client that posts the same payload again,
  or a broker that delivers an MQTT message again, within the stream's duplicate window, is
  answered as stored and JetStream keeps the first copy only. Two different alarms never share
  it (their bytes differ); an identical one re-sent is by every format's own rules the same
  alarm in the same state (csu JSON: source + external id; CAP: sender, identifier, sent).
- the intake id, a random id written in the head: the engine stores it with the raw row, so a
  message redelivered after its row was committed (an engine that died before acknowledging) is
  recognised and acknowledged, never stored twice (incidents.engine).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.client import JetStreamContext

from csu.cluster.kv import ensure_stream as ensure_configured
from incidents.models import ExerciseMark
from incidents.parsing import Channel, Submission

ALARM_STREAM = "CSU_ALARMS"
SUBJECT_PREFIX = "csu.alarms"
ENGINE_CONSUMER = "engine"
# 64 random bits per process, 64 counted: unique across the nodes, 32 characters in all.
_ID_PREFIX = os.urandom(8).hex()
_ID_COUNT = itertools.count()
# Who receives which payloads is no business of the stream's; the message says it.
_HEAD_KEYS = ("channel", "received_at", "content_type", "source_hint", "link", "refused")


@dataclass(frozen=True)
class StreamSettings:
    """The alarm stream's name, subjects and bounds."""

    stream: str = ALARM_STREAM
    prefix: str = SUBJECT_PREFIX
    consumer: str = ENGINE_CONSUMER
    max_bytes: int = 4 << 30  # a storm of four million 1 KB alarms waiting for the engine
    duplicate_window_s: float = 120.0
    publish_timeout_s: float = 2.0
    ack_wait_s: float = 30.0
    max_ack_pending: int = 10_000  # what the engine may hold unacknowledged (its queue)
    fetch_batch: int = 500


def stream_config(settings: StreamSettings) -> StreamConfig:
    """The JetStream stream: a work queue on file, nothing dropped unconsumed."""
    return StreamConfig(
        name=settings.stream,
        subjects=[f"{settings.prefix}.>"],
        retention=RetentionPolicy.WORK_QUEUE,
        discard=DiscardPolicy.NEW,
        storage=StorageType.FILE,
        max_bytes=settings.max_bytes,
        duplicate_window=settings.duplicate_window_s,
    )


async def ensure_stream(js: JetStreamContext, settings: StreamSettings) -> None:
    """Create the alarm stream, or bring an existing one to this configuration (idempotent)."""
    await ensure_configured(js, stream_config(settings))


def subject(settings: StreamSettings, channel: Channel) -> str:
    """The payload's subject: `csu.alarms.http_json`, `csu.alarms.mqtt`..."""
    return f"{settings.prefix}.{channel.value.replace('.', '_').replace('-', '_')}"


def message_id(submission: Submission) -> str:
    """JetStream's de-duplication id: a digest of what makes the payload itself (see module)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (
        submission.channel.value,
        submission.source_hint,
        submission.content_type,
        submission.link_header,
        submission.refused,
    ):
        digest.update(json.dumps(part).encode())
        digest.update(b"\0")
    digest.update(submission.body)
    return digest.hexdigest()


def new_intake_id() -> str:
    """A payload's id in the stream, written once and carried by every redelivery: this
    process's random prefix and a count (a uuid4 a payload read the kernel's random source, a
    tenth of an intake node's event loop at a few thousand alarms a second)."""
    return f"{_ID_PREFIX}{next(_ID_COUNT):016x}"


def pack(submission: Submission, *, intake_id: str, node: str) -> bytes:
    """The message: the head's JSON line, a newline, the body as received."""
    head: dict[str, Any] = {
        "channel": submission.channel.value,
        "received_at": submission.received_at.isoformat(),
        "content_type": submission.content_type,
        "source_hint": submission.source_hint,
        "link": submission.link_header,
        "refused": submission.refused,
        "intake_id": intake_id,
        "node": node,
    }
    if submission.exercise is not None:  # absent for a real payload: the head stays as it was
        head["exercise"] = submission.exercise.model_dump()
    # ensure_ascii: a header's odd characters (even a lone surrogate) travel escaped.
    return json.dumps(head, separators=(",", ":")).encode() + b"\n" + submission.body


def unpack(data: bytes) -> Submission:
    """The payload a message carries. One that is no message of ours is kept whole, refused
    (invariant 4: a payload is never dropped), its digest for intake id."""
    line, newline, body = data.partition(b"\n")
    try:
        if not newline:
            raise ValueError("no head line")
        head = json.loads(line)
        return _submission(head, body)
    except (ValueError, TypeError, KeyError) as exc:
        return Submission(
            Channel.INTERNAL,
            data,
            datetime.now(UTC),
            refused=f"not a message of csu's alarm stream: {exc}",
            intake_id=hashlib.blake2b(data, digest_size=16).hexdigest(),
        )


def _submission(head: dict[str, Any], body: bytes) -> Submission:
    if not isinstance(head, dict) or not isinstance(head["intake_id"], str):
        raise ValueError("the head names no intake id")
    text = {key: _text(head.get(key)) for key in _HEAD_KEYS}
    received = datetime.fromisoformat(str(text["received_at"]))
    if received.tzinfo is None:
        raise ValueError("the receipt time has no offset")
    return Submission(
        Channel(str(text["channel"])),
        body,
        received.astimezone(UTC),
        content_type=text["content_type"],
        source_hint=text["source_hint"],
        link_header=text["link"],
        refused=text["refused"],
        intake_id=head["intake_id"][:32],
        exercise=None if head.get("exercise") is None else ExerciseMark(**head["exercise"]),
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"a head field is {type(value).__name__}, not text")
