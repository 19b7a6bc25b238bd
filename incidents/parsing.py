"""Turn a received payload into Alarms according to the channel it came by."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from csu.settings import Settings
from incidents.alarms import (
    Alarm,
    AlarmParseError,
    AlarmStatus,
    parse_cap,
    parse_csu_alarm,
    parse_ngsi_ld_notification,
    parse_onvif_event,
)
from incidents.models import ExerciseMark


class Channel(StrEnum):
    """How a payload reached csu."""

    HTTP_JSON = "http.json"
    HTTP_CAP = "http.cap"
    HTTP_NGSI_LD = "http.ngsi-ld"
    MQTT = "mqtt"
    ONVIF = "onvif"
    INTERNAL = "internal"


@dataclass(frozen=True)
class Submission:
    """A payload exactly as received, with what is known of where it came from."""

    channel: Channel
    body: bytes
    received_at: datetime
    content_type: str | None = None
    source_hint: str | None = None  # MQTT topic, alarm source id, camera id for ONVIF
    link_header: str | None = None
    # Called from the engine's thread once the raw payload is committed (a broker feed that
    # acknowledges only what is stored).
    on_stored: Callable[[], None] | None = field(default=None, compare=False, repr=False)
    refused: str | None = None  # refused before parsing (too large): kept, rejected with this
    # In a cluster, the alarm stream's id of the payload (incidents.stream): a redelivery of a
    # payload already stored carries it again and is not stored twice.
    intake_id: str | None = None
    # An exercise's injection (crisis.exercises): its alarms, and what they open, carry the mark.
    exercise: ExerciseMark | None = None


MAX_SETTING = "CSU_ALARM_MAX_BODY_BYTES"
# The setting's default, for what is built without settings (tests, tools): one number, one place.
MAX_PAYLOAD_BYTES: int = Settings.model_fields["alarm_max_body_bytes"].default
# Of a payload over the size limit, csu keeps this much, rejected with the reason: enough to see
# who sent what, not the payload an attacker wanted csu to store.
KEPT_OF_TOO_LARGE = 65_536


def kept_of_too_large(limit: int) -> int:
    """How much of a payload over `limit` bytes is kept: never more than the limit itself."""
    return min(KEPT_OF_TOO_LARGE, limit)


def too_large(
    channel: Channel,
    start: bytes,
    *,
    size: int | None,
    limit: int,
    content_type: str | None = None,
    source_hint: str | None = None,
) -> Submission:
    """The submission that keeps the start of a payload over `limit` bytes, refused.

    `size` is the payload's whole size when known (declared or received), else None (the sender
    was cut off past the limit).
    """
    kept = start[: kept_of_too_large(limit)]
    whole = f"{size:,} bytes" if size is not None else "more bytes"
    reason = (
        f"payload too large: {whole} over the limit of {limit:,} ({MAX_SETTING});"
        f" its first {len(kept):,} bytes are kept"
    )
    return Submission(
        channel,
        kept,
        datetime.now(UTC),
        content_type=content_type,
        source_hint=source_hint,
        refused=reason,
    )


@dataclass(frozen=True)
class Parsed:
    """The alarms in a payload, and the entities it carried that are not alarms."""

    alarms: list[Alarm]
    skipped: list[str] = field(default_factory=list)


# The channels whose payloads are csu's own alarm JSON.
CSU_JSON_CHANNELS = frozenset((Channel.HTTP_JSON, Channel.MQTT, Channel.INTERNAL))


def parse_submission(submission: Submission) -> Parsed:
    """The alarms carried by the payload; raises AlarmParseError naming what is wrong."""
    channel = submission.channel
    if channel in CSU_JSON_CHANNELS:
        return Parsed([parse_csu_alarm(submission.body)])
    if channel is Channel.HTTP_CAP:
        return Parsed(parse_cap(submission.body))
    if channel is Channel.HTTP_NGSI_LD:
        result = parse_ngsi_ld_notification(submission.body, submission.link_header)
        skipped = [f"{s.entity_id} ({s.entity_type}): {s.reason}" for s in result.skipped]
        return Parsed(result.alarms, skipped)
    if channel is Channel.ONVIF:
        if not submission.source_hint:
            raise AlarmParseError("onvif: the camera id is required")
        return _onvif_parsed(parse_onvif_event(submission.body, submission.source_hint))
    raise AlarmParseError(f"unknown channel {channel!r}")


def _onvif_parsed(alarms: list[Alarm]) -> Parsed:
    """A camera's events, less the initial states that say nothing is going on.

    A camera tells every new subscriber each property's state (`Initialized`): at csu's start and
    after each re-subscription. One at rest is kept in the raw payload and listed as skipped, not
    made an alarm that would open an incident; one already active (motion under way) is an alarm.
    """
    kept: list[Alarm] = []
    skipped: list[str] = []
    for alarm in alarms:
        initial = alarm.data.get("property_operation") == "Initialized"
        if initial and alarm.status is AlarmStatus.CLEARED:
            skipped.append(f"{alarm.data.get('topic_path')}: initial state, not active")
        else:
            kept.append(alarm)
    return Parsed(kept, skipped)
