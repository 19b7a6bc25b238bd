"""The incident in memory: `IncidentRow`, read and written with Core SQL, never as an ORM object.

`incidents.models.Incident` declares the table; every incident csu holds in memory (the engine's
batches and commands, listings, details, the crisis room) is an `IncidentRow`. A plain dataclass
because a storm opens and joins incidents at thousands a second: building a SQLModel table object
costs about 100 times as much, and setting one of its fields about 75 times.

Only the incident engine writes incidents, so it may keep their rows in memory: a storm that
joins the same few incidents thousands of times then costs one UPDATE per incident per batch.
Operator commands, in the same thread, read and save their incident whole (`load_incident`,
`save_incident`) and drop the engine's copy (`forget`), so the next batch reads it afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from incidents.models import OPEN_STATUSES, Incident, IncidentStatus

INCIDENTS: sa.Table = Incident.__table__  # type: ignore[attr-defined]
_TABLE = INCIDENTS
_COLUMNS = tuple(c.name for c in _TABLE.columns)
_INSERT = sa.insert(_TABLE).returning(_TABLE.c.id)
# What a batch changes on an incident; everything else is the commands' business (save_incident).
_WRITE_BACK = (
    sa.update(_TABLE)
    .where(_TABLE.c.id == sa.bindparam("b_id"))
    .values(
        alarm_count=sa.bindparam("b_count"),
        severity=sa.bindparam("b_severity"),
        updated_at=sa.bindparam("b_updated"),
        cameras=sa.bindparam("b_cameras"),
    )
)
_SAVE = (
    sa.update(_TABLE)
    .where(_TABLE.c.id == sa.bindparam("b_id"))
    .values({name: sa.bindparam(f"b_{name}") for name in _COLUMNS if name != "id"})
)
_OPEN = sorted(OPEN_STATUSES)
MAX_KEPT = 5_000  # beyond this, rows of incidents no longer open are dropped after a batch


@dataclass(eq=False, slots=True)
class IncidentRow:
    """An `incidents` row as plain data, with the same field names as the table."""

    title: str
    type: str
    severity: str
    opened_at: datetime
    updated_at: datetime
    lon: float | None
    lat: float | None
    procedure: str
    storm: bool
    status: str = IncidentStatus.NEW.value
    assignee: str | None = None
    closed_at: datetime | None = None
    alarm_count: int = 0
    cameras: str = "[]"
    escalated: bool = False
    id: int | None = None
    dirty: bool = field(default=False, compare=False)


_FIELDS = tuple(f.name for f in fields(IncidentRow) if f.name != "dirty")
assert sorted(_FIELDS) == sorted(_COLUMNS), "IncidentRow has the incidents table's columns"


def incident_row(mapping: Any) -> IncidentRow:
    """The row of a Core result row of the incidents table (`row._mapping`)."""
    return IncidentRow(**{name: mapping[name] for name in _COLUMNS})


def read_incidents(conn: Connection, query: sa.Select[Any]) -> list[IncidentRow]:
    """The incidents a select of the incidents table finds, in its order."""
    return [incident_row(r._mapping) for r in conn.execute(query)]


def load_incident(conn: Connection, incident_id: int) -> IncidentRow | None:
    """One incident read from the database; None when there is no such incident."""
    found = read_incidents(conn, sa.select(_TABLE).where(_TABLE.c.id == incident_id))
    return found[0] if found else None


def save_incident(conn: Connection, row: IncidentRow) -> None:
    """Write every field of an incident that is already stored (an operator's command)."""
    assert row.id is not None
    conn.execute(
        _SAVE,
        {f"b_{name}": getattr(row, name) for name in _COLUMNS if name != "id"} | {"b_id": row.id},
    )


class IncidentRows:
    """Incident rows by id, loaded on first use and written back with `write_back`."""

    def __init__(self) -> None:
        self._rows: dict[int, IncidentRow] = {}

    def get(self, conn: Connection, incident_id: int) -> IncidentRow | None:
        """The row, from memory or from the database."""
        row = self._rows.get(incident_id)
        if row is None:
            row = load_incident(conn, incident_id)
            if row is None:
                return None
            self._rows[incident_id] = row
        return row

    def load_open(self, conn: Connection) -> list[IncidentRow]:
        """Read every incident that still takes alarms (at start)."""
        rows = read_incidents(conn, sa.select(_TABLE).where(_TABLE.c.status.in_(_OPEN)))
        self._rows.update({r.id: r for r in rows if r.id is not None})
        return rows

    def insert(self, conn: Connection, row: IncidentRow) -> int:
        """Store a new incident; returns its id."""
        values = {name: getattr(row, name) for name in _FIELDS if name != "id"}
        row.id = int(conn.execute(_INSERT, values).scalar_one())
        self._rows[row.id] = row
        return row.id

    def write_back(self, conn: Connection, rows: list[IncidentRow], open_ids: set[int]) -> None:
        """Write what batches changed (count, severity, time, cameras) in one statement."""
        params = [
            {
                "b_id": r.id,
                "b_count": r.alarm_count,
                "b_severity": r.severity,
                "b_updated": r.updated_at,
                "b_cameras": r.cameras,
            }
            for r in rows
            if r.dirty
        ]
        if params:
            conn.execute(_WRITE_BACK, params)
        for row in rows:
            row.dirty = False
        if len(self._rows) > MAX_KEPT:
            self._rows = {i: r for i, r in self._rows.items() if i in open_ids}

    def forget(self, incident_id: int) -> None:
        """A command changed the incident through the ORM: read it again next time."""
        self._rows.pop(incident_id, None)

    def clear(self) -> None:
        """Forget every row (a batch failed: the database is the truth)."""
        self._rows.clear()
