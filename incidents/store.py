"""Database work of the incident engine's writer thread: raw payloads, alarms, incidents."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, SQLModel, col, select

from csu.i18n import LANGUAGES, Language, Translator
from csu.text import storable
from incidents.alarms import alarm_type
from incidents.bulk import BulkInsert
from incidents.correlation import AlarmFacts
from incidents.events import AlarmSummary, ProcedureStep
from incidents.geo import LonLat
from incidents.models import RawAlarm, RawStatus
from incidents.parsing import Submission
from incidents.records import ALARM_COLUMNS, ALARMS, AlarmRow, read_alarms

Key = tuple[str, str]
_CHUNK = 400


def _table(model: type[SQLModel]) -> sa.Table:
    table = sa.inspect(model).local_table
    assert isinstance(table, sa.Table)
    return table


_RAW = _table(RawAlarm)
_ALARMS = ALARMS
_RAW_INSERT = BulkInsert(_RAW)
_ALARM_INSERT = BulkInsert(_ALARMS)
_RAW_COLUMNS = ("received_at", "channel", "source_hint", "content_type", "body", "status", "error")


def _chars(column: sa.Column[str]) -> int:
    length = getattr(column.type, "length", None)  # SQLModel's AutoString, a String's decorator
    assert isinstance(length, int)
    return length


_HINT_CHARS = _chars(_RAW.c.source_hint)
_TYPE_CHARS = _chars(_RAW.c.content_type)
_CHANNEL_CHARS = _chars(_RAW.c.channel)
ERROR_CHARS = 2000  # a database's error message may quote a whole statement
_RAW_ORDER = (*_RAW_COLUMNS, "alarm_count", "intake_id", "exercise_id")
assert _RAW_INSERT.columns == _RAW_ORDER, "insert_raw_ids' order"
_MARK_RAW = (
    sa.update(_RAW)
    .where(_RAW.c.id == sa.bindparam("b_id"))
    .values(
        status=sa.bindparam("b_status"),
        error=sa.bindparam("b_error"),
        alarm_count=sa.bindparam("b_count"),
    )
)
# Most payloads carry one alarm: a batch of them is marked with one range update.
_MARK_RANGE = (
    sa.update(_RAW)
    .where(_RAW.c.id.between(sa.bindparam("b_first"), sa.bindparam("b_last")))
    .values(status=RawStatus.PARSED.value, error=None, alarm_count=1)
)
_KEYS = sa.select(_ALARMS.c.id).where(
    sa.tuple_(_ALARMS.c.source, _ALARMS.c.external_id).in_(sa.bindparam("b_keys", expanding=True))
)


_alarm_values = operator.attrgetter(*ALARM_COLUMNS)  # a row's values in column order
# What a console is told of an alarm: the row's own fields, and whether this batch created it.
_SUMMARISED = tuple(name for name in AlarmSummary.model_fields if name != "created")


def insert_raw_ids(session: Session, submissions: Sequence[Submission]) -> list[int]:
    """Store each payload as received, in one statement; returns their ids in order.

    The body is bytes and always fits; the few strings beside it (a channel, an MQTT topic, a
    content type from a header) are repaired and cut to their columns, so that no sender can make
    the row itself unstorable: the payload must be kept whatever it carries.
    """
    received = RawStatus.RECEIVED.value
    rows = [
        (
            s.received_at,
            _column_text(s.channel.value, _CHANNEL_CHARS),
            _column_text(s.source_hint, _HINT_CHARS),
            _column_text(s.content_type, _TYPE_CHARS),
            s.body,
            received,
            None,
            0,
            s.intake_id,
            None if s.exercise is None else s.exercise.id,
        )
        for s in submissions
    ]
    return _RAW_INSERT.ids(session.connection(), rows)


def stored_intake_ids(session: Session, intake_ids: Sequence[str]) -> dict[str, int]:
    """Which of these alarm-stream ids have a raw row already, with its id."""
    conn = session.connection()
    if conn.dialect.driver == "psycopg":
        # One array parameter: an IN list of 500 ids costs the engine more to build than the
        # lookup costs PostgreSQL (a tenth of its time while it drains the stream).
        sql = "SELECT intake_id, id FROM raw_alarms WHERE intake_id = ANY(%(k)s::text[])"
        rows = conn.exec_driver_sql(sql, {"k": list(intake_ids)})
        return {str(key): int(raw_id) for key, raw_id in rows}
    found: dict[str, int] = {}
    for start in range(0, len(intake_ids), _CHUNK):
        chunk = list(intake_ids[start : start + _CHUNK])
        query = select(RawAlarm.intake_id, RawAlarm.id).where(col(RawAlarm.intake_id).in_(chunk))
        found.update({str(key): int(raw_id) for key, raw_id in session.exec(query) if raw_id})
    return found


def _column_text(value: str | None, limit: int) -> str | None:
    if value is None or (value.isascii() and "\x00" not in value and len(value) <= limit):
        return value
    return storable(value, limit)


def mark_raws(session: Session, marks: Sequence[tuple[int, str | None, int]]) -> None:
    """Record whether each payload parsed, and into how many alarms: (raw_id, error, count).

    Runs of consecutive ids that each parsed into one alarm (a storm's usual shape) are marked
    with one range update each; the rest one row at a time.
    """
    conn = session.connection()
    singles: list[dict[str, object]] = []
    run: list[int] = []
    for raw_id, error, count in sorted(marks):
        if error is None and count == 1 and (not run or raw_id == run[-1] + 1):
            run.append(raw_id)
            continue
        _mark_run(conn, run, singles)
        run = []
        if error is None and count == 1:
            run = [raw_id]
            continue
        status = (RawStatus.REJECTED if error else RawStatus.PARSED).value
        shown = None if error is None else storable(error, ERROR_CHARS)
        singles.append({"b_id": raw_id, "b_status": status, "b_error": shown, "b_count": count})
    _mark_run(conn, run, singles)
    if singles:
        conn.execute(_MARK_RAW, singles)


def _mark_run(conn: Connection, run: list[int], singles: list[dict[str, object]]) -> None:
    if len(run) > 1:
        conn.execute(_MARK_RANGE, {"b_first": run[0], "b_last": run[-1]})
    elif run:
        parsed = RawStatus.PARSED.value
        singles.append({"b_id": run[0], "b_status": parsed, "b_error": None, "b_count": 1})


def existing_alarms(session: Session, keys: Iterable[Key]) -> dict[Key, AlarmRow]:
    """The stored alarms for these (source, external_id) keys.

    A cheap query for ids first: in a storm nearly every key is new, and only the few re-sent
    alarms are worth loading whole to update.
    """
    wanted = list(dict.fromkeys(keys))
    conn = session.connection()
    ids: list[int] = []
    for start in range(0, len(wanted), _CHUNK):
        ids.extend(_existing_ids(conn, wanted[start : start + _CHUNK]))
    found: dict[Key, AlarmRow] = {}
    for start in range(0, len(ids), _CHUNK):
        query = sa.select(ALARMS).where(ALARMS.c.id.in_(ids[start : start + _CHUNK]))
        found.update({(a.source, a.external_id): a for a in read_alarms(conn, query)})
    return found


def insert_alarms(session: Session, rows: Sequence[AlarmRow]) -> None:
    """Insert new alarm rows in one statement and give each its id."""
    values = [_alarm_values(row) for row in rows]
    for row, row_id in zip(rows, _ALARM_INSERT.ids(session.connection(), values), strict=True):
        row.id = row_id


def update_alarm_row(row: AlarmRow, fresh: AlarmRow, *, now: datetime) -> bool:
    """Apply a re-sent alarm to its row; True when its status changed."""
    changed = row.status != fresh.status
    raw_id = fresh.raw_id
    for name in ("type", "severity", "status", "occurred_at", "lon", "lat", "location"):
        setattr(row, name, getattr(fresh, name))
    row.description, row.data, row.raw_id = fresh.description, fresh.data, raw_id
    row.updated_at = now
    row.update_count += 1
    row.state_changes += int(changed)
    return changed


def facts_of(row: AlarmRow) -> AlarmFacts:
    """What correlation needs from an alarm (a new one has no id yet)."""
    position = LonLat(row.lon, row.lat) if row.lon is not None and row.lat is not None else None
    return AlarmFacts(
        row.id, row.source, row.type, row.occurred_at, position, row.camera_id, row.exercise_id
    )


def new_incident(
    row: AlarmRow, *, now: datetime, storm: bool, language: Language
) -> dict[str, Any]:
    """The fields of an incident opened by this alarm, with its type's procedure checklist (to
    store with `IncidentRows.insert`), written in the site's language once and for all."""
    entry = alarm_type(row.type)
    return {
        "title": incident_title(row, storm, language)[:256],
        "type": row.type,
        "severity": row.severity,
        "opened_at": row.occurred_at,
        "updated_at": now,
        "lon": row.lon,
        "lat": row.lat,
        "procedure": [ProcedureStep(text=text) for text in entry.procedure(language)],
        "storm": storm,
        "exercise_id": row.exercise_id,
        "exercise_title": row.exercise_title,
    }


@cache
def _translator(language: Language) -> Translator:
    return Translator(language)


def incident_title(row: AlarmRow, storm: bool, language: Language) -> str:
    """A new incident's title: its type and the sender's description, or the storm's source."""
    t = _translator(language)
    if storm:
        return t("incidents.title.storm", source=row.source)
    entry = alarm_type(row.type)
    label = entry.label(language)
    # An alarm whose sender said nothing is described by its type's label (the adapters do):
    # the title then says it once, in the site's language.
    if row.description.strip() in {"", *(entry.label(other) for other in LANGUAGES)}:
        return label
    return t("incidents.title.alarm", label=label, description=row.description)


def _existing_ids(conn: Connection, keys: list[Key]) -> list[int]:
    if conn.dialect.driver == "psycopg":
        # Two arrays, one short statement: an IN list of 400 pairs is a statement psycopg
        # would rewrite in Python for every batch.
        sql = (
            "SELECT a.id FROM unnest(%(s)s::text[], %(e)s::text[]) AS k(source, external_id)"
            " JOIN alarms AS a ON a.source = k.source AND a.external_id = k.external_id"
        )
        sources, externals = [k[0] for k in keys], [k[1] for k in keys]
        rows = conn.exec_driver_sql(sql, {"s": sources, "e": externals})
        return [int(row[0]) for row in rows]
    if conn.dialect.name != "sqlite":
        return list(conn.execute(_KEYS, {"b_keys": keys}).scalars())
    # The driver's own placeholders: SQLAlchemy's expanding IN costs more than the lookups.
    # A join, because SQLite scans the whole table for a row-value IN list.
    values = ",".join("(?,?)" for _ in keys)
    sql = (
        f"SELECT a.id FROM (VALUES {values}) AS k JOIN alarms AS a"
        " ON a.source = k.column1 AND a.external_id = k.column2"
    )
    flat = tuple(part for key in keys for part in key)
    return [int(row[0]) for row in conn.exec_driver_sql(sql, flat)]


def alarm_summary(row: AlarmRow, *, created: bool) -> AlarmSummary:
    """The alarm as consoles list it."""
    return AlarmSummary.model_validate(
        {name: getattr(row, name) for name in _SUMMARISED} | {"created": created}
    )
