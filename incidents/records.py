"""The alarm in memory (`AlarmRow`), and payloads parsed into rows for the incident engine.

`incidents.models.StoredAlarm` declares the table; every stored or new alarm csu holds in memory
(the engine's batches, listings, an incident's alarms, analytics decisions) is an `AlarmRow`,
read and written with Core SQL. The engine stores each payload raw, then parses it into a
`StoredPayload` of rows; payloads it finds stored but never parsed (csu stopped in between) come
back to it as a `ParsedBatch`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from incidents.alarms import Alarm, AlarmParseError, PointGeometry
from incidents.geo import LonLat, centroid
from incidents.models import ExerciseMark, StoredAlarm
from incidents.parsing import Submission, parse_submission

log = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class AlarmRow:
    """A row of `alarms` as plain data, new (no id yet) or read back (`read_alarms`).

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
    exercise_id: int | None = None
    exercise_title: str | None = None
    references: tuple[str, ...] = ()  # external ids this alarm updates or cancels (not a column)


ALARMS: sa.Table = StoredAlarm.__table__  # type: ignore[attr-defined]
ALARM_COLUMNS = tuple(c.name for c in ALARMS.columns if c.name != "id")
_NOT_COLUMNS = {"id", "references"}
assert sorted(f.name for f in dataclass_fields(AlarmRow) if f.name not in _NOT_COLUMNS) == sorted(
    ALARM_COLUMNS
), "AlarmRow has the alarms table's columns"
_SAVE = (
    sa.update(ALARMS)
    .where(ALARMS.c.id == sa.bindparam("b_id"))
    .values({name: sa.bindparam(f"b_{name}") for name in ALARM_COLUMNS})
)


def read_alarms(conn: Connection, query: sa.Select[Any]) -> list[AlarmRow]:
    """The alarms a select of the alarms table finds, in its order."""
    return [AlarmRow(**dict(r._mapping)) for r in conn.execute(query)]


def save_alarms(conn: Connection, rows: Iterable[AlarmRow]) -> None:
    """Write every field of alarms that are already stored, in one statement."""
    params = [{f"b_{n}": getattr(r, n) for n in ALARM_COLUMNS} | {"b_id": r.id} for r in rows]
    if params:
        conn.execute(_SAVE, params)


@dataclass(frozen=True, slots=True)
class StoredPayload:
    """A payload whose raw row is committed, parsed into rows or rejected with a reason."""

    raw_id: int
    rows: list[AlarmRow] = field(default_factory=list)
    error: str | None = None
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ParsedBatch:
    """Payloads stored raw and parsed again (recovery): the engine correlates and marks them."""

    payloads: list[StoredPayload]

    def __len__(self) -> int:
        return len(self.payloads)


def prepared(submission: Submission, raw_id: int, now: datetime) -> StoredPayload:
    """Parse a stored payload into rows; a parse failure becomes the rejection's reason.

    Whatever goes wrong with one payload stays with it: an adapter's own failure (a bug that a
    payload finds) rejects that payload, never the batch it came in.
    """
    if submission.refused is not None:
        return StoredPayload(raw_id, error=submission.refused)
    try:
        parsed = parse_submission(submission)
        mark = submission.exercise
        rows = [alarm_row(alarm, raw_id=raw_id, now=now, exercise=mark) for alarm in parsed.alarms]
    except AlarmParseError as exc:
        return StoredPayload(raw_id, error=str(exc))
    except Exception as exc:
        log.exception("raw alarm %d: the %s adapter failed", raw_id, submission.channel.value)
        return StoredPayload(raw_id, error=f"could not be parsed: {type(exc).__name__}: {exc}")
    return StoredPayload(raw_id, rows, skipped=parsed.skipped)


def _data_json(data: dict[str, Any]) -> str:
    # orjson at storm rates; the standard encoder for what it refuses (keys that are not text).
    try:
        return orjson.dumps(data, default=str, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return json.dumps(data, sort_keys=True, default=str)


def alarm_row(
    alarm: Alarm, *, raw_id: int | None, now: datetime, exercise: ExerciseMark | None = None
) -> AlarmRow:
    """The row of an alarm never seen before, to insert with `insert_alarms`; its place is its
    Point or the centre of its Polygon.

    An exercise's alarm has its external ids (its own and those it references) in the exercise's
    own space: the same scenario played twice, or naming a real sender's id, never updates an
    alarm of the real watch or of another exercise.
    """
    location = alarm.location
    position: LonLat | None = None
    if isinstance(location, PointGeometry):
        position = LonLat(*location.coordinates)
    elif location is not None:
        ring = location.coordinates[0]
        position = centroid([LonLat(p[0], p[1]) for p in ring[:-1] or ring])
    space = "" if exercise is None else f"exercise:{exercise.id}:"
    return AlarmRow(
        source=alarm.source,
        external_id=f"{space}{alarm.external_id}"[:512],
        type=alarm.type,
        severity=alarm.severity.value,
        status=alarm.status.value,
        occurred_at=alarm.occurred_at,
        received_at=now,
        updated_at=now,
        lon=position.lon if position else None,
        lat=position.lat if position else None,
        location=None if location is None else location.model_dump_json(),
        description=alarm.description,
        data=_data_json(alarm.data),
        camera_id=alarm.camera_id,
        raw_id=raw_id,
        exercise_id=None if exercise is None else exercise.id,
        exercise_title=None if exercise is None else exercise.title,
        references=tuple(f"{space}{ref}" for ref in alarm.references),
    )
