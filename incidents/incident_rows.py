"""The engine's copy of the incidents alarms are joining, written back once per batch.

Only the incident engine writes incidents, so it may keep their rows in memory: a storm that
joins the same few incidents thousands of times then costs one UPDATE per incident per batch,
not an ORM load and flush each time. Operator commands go through the ORM in the same thread and
drop the copy of the incident they changed (`forget`), so the next batch reads it afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from incidents.models import OPEN_STATUSES, Incident, IncidentStatus

_TABLE = Incident.__table__  # type: ignore[attr-defined]
_COLUMNS = tuple(c.name for c in _TABLE.columns)
_INSERT = sa.insert(_TABLE).returning(_TABLE.c.id)
# What a batch changes on an incident; everything else is the commands' (ORM) business.
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


class IncidentRows:
    """Incident rows by id, loaded on first use and written back with `write_back`."""

    def __init__(self) -> None:
        self._rows: dict[int, IncidentRow] = {}

    def get(self, conn: Connection, incident_id: int) -> IncidentRow | None:
        """The row, from memory or from the database."""
        row = self._rows.get(incident_id)
        if row is None:
            found = conn.execute(sa.select(_TABLE).where(_TABLE.c.id == incident_id)).first()
            if found is None:
                return None
            row = _row(found._mapping)
            self._rows[incident_id] = row
        return row

    def load_open(self, conn: Connection) -> list[IncidentRow]:
        """Read every incident that still takes alarms (at start)."""
        found = conn.execute(sa.select(_TABLE).where(_TABLE.c.status.in_(_OPEN)))
        rows = [_row(r._mapping) for r in found]
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


def _row(mapping: Any) -> IncidentRow:
    return IncidentRow(**{name: mapping[name] for name in _COLUMNS})
