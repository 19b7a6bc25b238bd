"""Alarms ready for the incident engine: rows to insert, and payloads already stored raw.

What crosses from an MQTT intake to the engine is a batch of raw payloads with their ids
(`StoredRaws`); the engine parses each into a `StoredPayload` of rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from incidents.alarms import Alarm, AlarmParseError, PointGeometry
from incidents.geo import LonLat, centroid
from incidents.parsing import Channel, Parsed, Submission, parse_submission


@dataclass(eq=False, slots=True)
class NewAlarm:
    """A row of `alarms` that the writer inserts itself, many at once (see `insert_alarms`).

    It has StoredAlarm's fields without being an ORM object: building a SQLModel table object
    costs more than parsing the alarm, and a batch writes its new rows in one statement.
    """

    source: str
    external_id: str
    type: str
    severity: str
    status: str
    occurred_at: datetime
    received_at: datetime
    updated_at: datetime
    lon: float | None
    lat: float | None
    location: str | None
    description: str
    data: str
    camera_id: str | None
    raw_id: int | None
    id: int | None = None
    incident_id: int | None = None
    update_count: int = 0
    state_changes: int = 0
    inhibited: bool = False
    flapping: bool = False
    references: tuple[str, ...] = ()  # external ids this alarm updates or cancels (not a column)


@dataclass(frozen=True, slots=True)
class StoredPayload:
    """A payload whose raw row is committed, parsed into rows or rejected with a reason."""

    raw_id: int
    rows: list[NewAlarm] = field(default_factory=list)
    error: str | None = None
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoredRaws:
    """Payloads whose raw rows are committed, still to parse (the engine parses them).

    Held as columns, one list per field: what an intake sends the engine ten thousand times a
    second pickles as a few lists of plain values, and the engine queues it as one item.
    """

    raw_ids: list[int]
    channels: list[str]
    bodies: list[bytes]
    received_at: list[datetime]
    content_types: list[str | None]
    source_hints: list[str | None]
    link_headers: list[str | None]

    @classmethod
    def of(cls, raw_ids: Sequence[int], submissions: Sequence[Submission]) -> StoredRaws:
        """The stored payloads `submissions`, whose raw rows got `raw_ids`."""
        if len(raw_ids) != len(submissions):
            raise ValueError(f"{len(raw_ids)} raw ids for {len(submissions)} payloads")
        return cls(
            list(raw_ids),
            [s.channel.value for s in submissions],
            [s.body for s in submissions],
            [s.received_at for s in submissions],
            [s.content_type for s in submissions],
            [s.source_hint for s in submissions],
            [s.link_header for s in submissions],
        )

    def __len__(self) -> int:
        return len(self.raw_ids)

    def payloads(self) -> Iterator[tuple[int, Submission]]:
        """Each payload with its raw id, in order."""
        columns = zip(
            self.channels,
            self.bodies,
            self.received_at,
            self.content_types,
            self.source_hints,
            self.link_headers,
            strict=True,
        )
        for raw_id, (channel, *values) in zip(self.raw_ids, columns, strict=True):
            yield raw_id, Submission(Channel(channel), *values)

    def __reduce__(self) -> tuple[type[StoredRaws], tuple[object, ...]]:
        # A slots dataclass unpickles through dataclasses.fields(), slower than its constructor.
        return (StoredRaws, tuple(getattr(self, f) for f in self.__slots__))


def prepared(submission: Submission, raw_id: int, now: datetime) -> StoredPayload:
    """Parse a stored payload into rows; a parse failure becomes the rejection's reason."""
    try:
        parsed: Parsed = parse_submission(submission)
    except AlarmParseError as exc:
        return StoredPayload(raw_id, error=str(exc))
    rows = [new_alarm(alarm, raw_id=raw_id, now=now) for alarm in parsed.alarms]
    return StoredPayload(raw_id, rows, skipped=parsed.skipped)


def alarm_position(alarm: Alarm) -> LonLat | None:
    """A point for the alarm: its Point, or the centre of its Polygon."""
    location = alarm.location
    if location is None:
        return None
    if isinstance(location, PointGeometry):
        lon, lat = location.coordinates[:2]
        return LonLat(lon, lat)
    ring = location.coordinates[0]
    return centroid([LonLat(p[0], p[1]) for p in ring[:-1] or ring])


def _data_json(data: dict[str, Any]) -> str:
    # orjson at storm rates; the standard encoder for what it refuses (keys that are not text).
    try:
        return orjson.dumps(data, default=str, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return json.dumps(data, sort_keys=True, default=str)


def new_alarm(alarm: Alarm, *, raw_id: int | None, now: datetime) -> NewAlarm:
    """The row for an alarm never seen before, to insert with `insert_alarms`."""
    position = alarm_position(alarm)
    return NewAlarm(
        source=alarm.source,
        external_id=alarm.external_id,
        type=alarm.type,
        severity=alarm.severity.value,
        status=alarm.status.value,
        occurred_at=alarm.occurred_at,
        received_at=now,
        updated_at=now,
        lon=position.lon if position else None,
        lat=position.lat if position else None,
        location=alarm.location.model_dump_json() if alarm.location else None,
        description=alarm.description,
        data=_data_json(alarm.data),
        camera_id=alarm.camera_id,
        raw_id=raw_id,
        references=tuple(alarm.references),
    )
