"""Incidents read and written with Core SQL: the one place an incident meets its table.

`incidents.models.Incident` declares the table; every incident csu holds (the engine's batches
and commands, listings, details, the crisis room) is an `IncidentSummary`, converted here from
and to the table's columns (cameras and checklist are JSON text there). Never an ORM object:
building a SQLModel table object and setting its fields cost many times as much.

Only the incident engine writes incidents, so it may keep them in memory: a storm that joins the
same few incidents thousands of times then costs one UPDATE per incident per batch. Operator
commands, in the same thread, read and save their incident whole (`load_incident`,
`save_incident`) and drop the engine's copy (`forget`), so the next batch reads it afresh.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.engine import Connection

from incidents.events import IncidentSummary
from incidents.models import OPEN_STATUSES, Incident

INCIDENTS: sa.Table = Incident.__table__  # type: ignore[attr-defined]
_TABLE = INCIDENTS
_COLUMNS = tuple(c.name for c in _TABLE.columns)
_JSON = ("cameras", "procedure")  # lists in memory, JSON text in the table
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
MAX_KEPT = 5_000  # beyond this, incidents no longer open are dropped after a batch
assert set(_COLUMNS) == set(IncidentSummary.model_fields), "an incident's fields are its columns"


def _incident(row: sa.RowMapping) -> IncidentSummary:
    # A Core result row of the incidents table (`row._mapping`) as the incident.
    return IncidentSummary.model_validate({**row, **{k: json.loads(row[k]) for k in _JSON}})


def _columns(fields: Mapping[str, Any]) -> dict[str, Any]:
    # An incident's fields as the table's columns, without the id.
    values = {name: fields[name] for name in _COLUMNS if name != "id"}
    return values | {k: json.dumps(to_jsonable_python(fields[k])) for k in _JSON}


def _defaults() -> dict[str, Any]:
    # What a new incident has of the fields it is not given (a fresh list each time).
    fields = IncidentSummary.model_fields.items()
    return {n: f.get_default(call_default_factory=True) for n, f in fields if not f.is_required()}


def read_incidents(conn: Connection, query: sa.Select[Any]) -> list[IncidentSummary]:
    """The incidents a select of the incidents table finds, in its order."""
    return [_incident(r._mapping) for r in conn.execute(query)]


def load_incident(conn: Connection, incident_id: int) -> IncidentSummary | None:
    """One incident read from the database; None when there is no such incident."""
    found = read_incidents(conn, sa.select(_TABLE).where(_TABLE.c.id == incident_id))
    return found[0] if found else None


def save_incident(conn: Connection, incident: IncidentSummary) -> None:
    """Write every field of an incident that is already stored (an operator's command)."""
    values = _columns(dict(incident))
    conn.execute(
        _SAVE, {f"b_{name}": value for name, value in values.items()} | {"b_id": incident.id}
    )


class IncidentRows:
    """Incidents by id, loaded on first use and written back with `write_back`."""

    def __init__(self) -> None:
        self._rows: dict[int, IncidentSummary] = {}

    def get(self, conn: Connection, incident_id: int) -> IncidentSummary | None:
        """The incident, from memory or from the database."""
        incident = self._rows.get(incident_id)
        if incident is None:
            incident = load_incident(conn, incident_id)
            if incident is None:
                return None
            self._rows[incident_id] = incident
        return incident

    def load_open(self, conn: Connection) -> list[IncidentSummary]:
        """Read every incident that still takes alarms (at start)."""
        incidents = read_incidents(conn, sa.select(_TABLE).where(_TABLE.c.status.in_(_OPEN)))
        self._rows.update({i.id: i for i in incidents})
        return incidents

    def insert(self, conn: Connection, fields: Mapping[str, Any]) -> IncidentSummary:
        """Store a new incident of these fields (the others take their defaults); returns it
        with its id."""
        complete = _defaults() | dict(fields)
        incident_id = int(conn.execute(_INSERT, _columns(complete)).scalar_one())
        incident = IncidentSummary.model_validate(complete | {"id": incident_id})
        self._rows[incident_id] = incident
        return incident

    def write_back(
        self, conn: Connection, incidents: list[IncidentSummary], open_ids: set[int]
    ) -> None:
        """Write what a batch changed (count, severity, time, cameras) in one statement."""
        params = [
            {
                "b_id": i.id,
                "b_count": i.alarm_count,
                "b_severity": i.severity,
                "b_updated": i.updated_at,
                "b_cameras": json.dumps(i.cameras),
            }
            for i in incidents
        ]
        if params:
            conn.execute(_WRITE_BACK, params)
        if len(self._rows) > MAX_KEPT:
            self._rows = {i: r for i, r in self._rows.items() if i in open_ids}

    def forget(self, incident_id: int) -> None:
        """A command changed the incident: read it again next time."""
        self._rows.pop(incident_id, None)

    def clear(self) -> None:
        """Forget every incident (a batch failed: the database is the truth)."""
        self._rows.clear()
