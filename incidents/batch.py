"""Apply one batch of parsed alarms: upsert, correlate, open or join incidents, write timelines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from csu.i18n import LANGUAGES, Language, Translator
from incidents import timeline
from incidents.alarms import AlarmStatus
from incidents.alarms.catalogue import type_label
from incidents.clips import Clip, ClipPolicy
from incidents.correlation import Action, AlarmFacts, Correlator, Decision
from incidents.coverage import covering_cameras
from incidents.events import IncidentSummary
from incidents.geo import LonLat
from incidents.incident_rows import IncidentRows
from incidents.lifecycle import worst
from incidents.records import ALARMS, AlarmRow, read_alarms, save_alarms
from incidents.store import (
    Key,
    existing_alarms,
    facts_of,
    insert_alarms,
    new_incident,
    update_alarm_row,
)

FLAP_LIMIT = 5  # status changes after which an alarm is flapping and stops notifying
LISTED_PER_INCIDENT = 5  # beyond this many alarms in one batch, the timeline gets one summary line
CAMERAS_PER_INCIDENT = 4


@dataclass
class BatchOutcome:
    """What a batch changed, for events and for the callers' answers.

    Rows created by the batch are inserted in one statement; rows it updated (loaded from the
    database) are saved in another.
    """

    created: list[AlarmRow] = field(default_factory=list)
    updated: list[AlarmRow] = field(default_factory=list)
    opened: set[int] = field(default_factory=set)
    touched: dict[int, IncidentSummary] = field(default_factory=dict)
    by_alarm: dict[Key, AlarmRow] = field(default_factory=dict)
    clips: list[Clip] = field(default_factory=list)


@dataclass
class _Joined:
    rows: list[tuple[AlarmRow, Decision]] = field(default_factory=list)


class BatchApplier:
    """Runs inside the writer thread, inside one transaction."""

    def __init__(
        self,
        session: Session,
        correlator: Correlator,
        incidents: IncidentRows,
        now: datetime,
        clips: ClipPolicy | None = None,
        language: Language = "fr",
    ) -> None:
        self.s = session
        self.c = correlator
        self.incidents = incidents
        self.timeline = timeline.TimelineBatch()
        self.now = now
        self.clips = clips or ClipPolicy()
        self.language = language  # the site's: a new incident's title and checklist are in it
        self.t = Translator(language)  # and what csu writes on timelines
        self.out = BatchOutcome()
        self._new: list[AlarmRow] = []
        self._known: dict[Key, AlarmRow] = {}
        self._updated: set[int] = set()  # id() of the rows in out.updated
        self._changed: dict[int, AlarmRow] = {}  # stored rows to save, by alarm id

    def prefetch(self, alarms: list[AlarmRow]) -> None:
        """Load the stored alarms these keys already name (one query per 400 keys)."""
        self._known = dict(existing_alarms(self.s, [(a.source, a.external_id) for a in alarms]))

    def add(self, fresh: AlarmRow) -> None:
        """Upsert one alarm; new ones are inserted together and correlated in `correlate`."""
        key = (fresh.source, fresh.external_id)
        row = self._known.get(key)
        if row is not None:
            update_alarm_row(row, fresh, now=self.now)
            row.flapping = row.state_changes >= FLAP_LIMIT
            if row.id is not None:
                self._changed[row.id] = row
            if row.id is not None and id(row) not in self._updated:
                self._updated.add(id(row))
                self.out.updated.append(row)
        else:
            row = fresh
            row.received_at = row.updated_at = self.now
            self._known[key] = row
            self._new.append(row)
        self.out.by_alarm[key] = row

    def correlate(self) -> None:
        """Place every new alarm on an incident, insert them, then write counts and timelines."""
        self.s.flush()
        joined: dict[int, _Joined] = defaultdict(_Joined)
        for new in self._new:
            facts = facts_of(new)
            decision = self._referenced(new) or self.c.decide(facts)
            if decision.action is not Action.JOIN and new.status != AlarmStatus.ACTIVE.value:
                # An end (a state back to rest, a withdrawal) with no open incident to end: kept,
                # on no incident; only something starting opens one.
                self.out.created.append(new)
                continue
            incident = self._place(new, facts, decision)
            joined[incident.id].rows.append((new, decision))
            self.out.created.append(new)
        insert_alarms(self.s, self._new)
        save_alarms(self.s.connection(), self._changed.values())
        for incident_id, group in joined.items():
            self._record(self.out.touched[incident_id], group)
        for row in self.out.updated:
            self._record_update(row)
        conn = self.s.connection()
        self.timeline.write(conn)
        self.incidents.write_back(conn, list(self.out.touched.values()), set(self.c.open))

    def _referenced(self, row: AlarmRow) -> Decision | None:
        # CAP Update and Cancel name earlier alerts: they belong on the same incident.
        if not row.references:
            return None
        query = sa.select(ALARMS).where(
            ALARMS.c.source == row.source, ALARMS.c.external_id.in_(row.references)
        )
        # A row this batch already holds is the one to read and change (it may be new, not yet
        # in the database); one read here is held from now on, as a second reference finds it.
        loaded = read_alarms(self.s.connection(), query)
        earlier = [self._known.setdefault((r.source, r.external_id), r) for r in loaded]
        seen = {id(r) for r in earlier}
        for external_id in row.references:
            in_batch = self._known.get((row.source, external_id))
            if in_batch is not None and in_batch is not row and id(in_batch) not in seen:
                earlier.append(in_batch)
        cancels = row.status == AlarmStatus.CANCELLED.value
        for ref in earlier:
            if cancels:
                ref.status = AlarmStatus.CANCELLED.value
                ref.updated_at = self.now
                if ref.id is not None:
                    self._changed[ref.id] = ref
        target = next((r.incident_id for r in earlier if r.incident_id is not None), None)
        if target is None:
            return None
        verb = "cancels" if cancels else "updates"
        why = f"{verb} {earlier[0].external_id}"
        return Decision(Action.JOIN, target, False, why)

    def _place(self, row: AlarmRow, facts: AlarmFacts, decision: Decision) -> IncidentSummary:
        incident = self._incident(decision.incident_id) if decision.action is Action.JOIN else None
        if incident is None:
            fields = new_incident(row, now=self.now, storm=decision.storm, language=self.language)
            incident = self.incidents.insert(self.s.connection(), fields)
            self.c.opened(incident.id, facts, storm=decision.storm)
            self.out.opened.add(incident.id)
            self._attach_cameras(incident)
        else:
            self.c.joined(incident.id, facts)
        row.incident_id = incident.id
        row.inhibited = decision.inhibited
        self.out.touched[incident.id] = incident
        return incident

    def _incident(self, incident_id: int | None) -> IncidentSummary | None:
        if incident_id is None:
            return None
        return self.out.touched.get(incident_id) or self.incidents.get(
            self.s.connection(), incident_id
        )

    def _attach_cameras(self, incident: IncidentSummary) -> None:
        if incident.lon is None or incident.lat is None:
            return
        sightings = covering_cameras(self.c.cameras.values(), LonLat(incident.lon, incident.lat))
        chosen = sightings[:CAMERAS_PER_INCIDENT]
        incident.cameras = [s.camera_id for s in chosen]
        for sighting in chosen:
            timeline.log_camera_attached(
                self.timeline,
                incident_id=incident.id,
                at=self.now,
                camera_id=sighting.camera_id,
                distance_m=sighting.distance_m,
                language=self.language,
            )
            self._add_clip(incident, sighting.camera_id, incident.opened_at)

    def _add_clip(self, incident: IncidentSummary, camera_id: str, alarm_at: datetime) -> None:
        if incident.exercise_id is not None:
            return  # a drill keeps no real footage: no clip, no events recording started for it
        clip = self.clips.clip(incident.id, camera_id, alarm_at)
        if clip is None:
            return
        timeline.log_clip(
            self.timeline,
            incident_id=incident.id,
            at=self.now,
            camera_id=camera_id,
            start=clip.start,
            end=clip.end,
            language=self.language,
        )
        self.out.clips.append(clip)

    def _record(self, incident: IncidentSummary, group: _Joined) -> None:
        incident.alarm_count += len(group.rows)
        incident.updated_at = self.now
        for row, _decision in group.rows:
            if not row.inhibited:
                incident.severity = worst(incident.severity, row.severity)
            self._note_camera(incident, row)
        if len(group.rows) <= LISTED_PER_INCIDENT:
            for row, decision in group.rows:
                assert row.id is not None
                timeline.log_alarm_received(
                    self.timeline,
                    incident_id=incident.id,
                    at=row.occurred_at,
                    alarm_id=row.id,
                    summary=self._said("logbook.entry.alarm", row),
                    why=decision.why,
                )
        else:
            ids = [r.id for r, _ in group.rows if r.id is not None]
            types = sorted({type_label(r.type, self.language) for r, _ in group.rows})
            timeline.log_alarms_grouped(
                self.timeline,
                incident_id=incident.id,
                at=self.now,
                alarm_ids=ids,
                summary=self.t(
                    "logbook.entry.alarms", count=len(ids), types=", ".join(types)[:200]
                ),
            )

    def _note_camera(self, incident: IncidentSummary, row: AlarmRow) -> None:
        # A camera's own event (loss, motion, analytics) puts that camera on the incident.
        if row.camera_id is None:
            return
        if row.camera_id not in incident.cameras:
            # A new list, never one changed in place: published copies share the old one.
            incident.cameras = [*incident.cameras, row.camera_id]
            self._add_clip(incident, row.camera_id, row.occurred_at)
        if row.type.startswith("video."):
            timeline.log_video_event(
                self.timeline,
                incident_id=incident.id,
                at=row.occurred_at,
                camera_id=row.camera_id,
                summary=self._said("logbook.entry.video_event", row),
                data={"type": row.type, "alarm_id": row.id},
            )

    def _record_update(self, row: AlarmRow) -> None:
        if row.incident_id is None or row.flapping:
            return
        assert row.id is not None
        timeline.log_alarm_updated(
            self.timeline,
            incident_id=row.incident_id,
            at=self.now,
            alarm_id=row.id,
            summary=self._said("logbook.entry.alarm_updated", row),
        )
        incident = self._incident(row.incident_id)
        if incident is not None:
            incident.updated_at = self.now
            self.out.touched[row.incident_id] = incident

    def _said(self, key: str, row: AlarmRow) -> str:
        """A timeline line about an alarm, in the site's language (type, severity and status by
        their words, the sender's description as sent, unless it only repeats the type)."""
        label = type_label(row.type, self.language)
        if key != "logbook.entry.alarm_updated" and row.description.strip() in {
            "",
            *(type_label(row.type, other) for other in LANGUAGES),
        }:
            key += "_bare"
        return self.t(
            key,
            label=label,
            severity=self.t(f"logbook.severity.{row.severity}"),
            status=self.t(f"logbook.alarm_status.{row.status}"),
            source=row.source,
            camera=row.camera_id,
            description=row.description,
        )
