"""The incidents package's public face: intake, actions and queries."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from nats.aio.client import Client
from sqlmodel import Session

from csu.bus import EventBus
from csu.config import AlarmSourceConfig, SiteConfig
from incidents.clips import ClipPolicy, ClipSink
from incidents.commands import IncidentCommand
from incidents.correlation import DEFAULT_RULES, CorrelationSettings, Correlator, Rule
from incidents.coverage import CameraCone
from incidents.engine import IncidentEngine, IntakeResult
from incidents.events import IncidentSummary
from incidents.geo import LonLat
from incidents.incident_rows import INCIDENTS, load_incident, read_incidents
from incidents.intake import MqttIntake
from incidents.models import TimelineEntry
from incidents.mqtt import AlarmSink, MqttFeed
from incidents.parsing import MAX_PAYLOAD_BYTES, Channel, Submission
from incidents.records import ALARMS, AlarmRow, read_alarms
from incidents.stream import StreamSettings
from incidents.stream_cluster import ClusterIntake
from incidents.stream_intake import QueuedResult
from incidents.timeline import timeline
from privacy.policy import EVERY_CAMERA, CameraScope

log = logging.getLogger(__name__)


def camera_cones(site: SiteConfig) -> list[CameraCone]:
    """The site's cameras that have a place and a view, as coverage geometry."""
    return [
        CameraCone(
            c.id,
            LonLat(c.location.lon, c.location.lat),
            c.view.bearing_deg,
            c.view.fov_deg,
            c.view.range_m,
        )
        for c in site.cameras
        if c.location is not None and c.view is not None
    ]


def clip_policy(site: SiteConfig) -> ClipPolicy:
    """Clip windows of the site's recording cameras (pre- and post-alarm seconds)."""
    return ClipPolicy(
        {
            c.id: (c.recording.pre_alarm_s, c.recording.post_alarm_s)
            for c in site.cameras
            if c.enabled and c.recording.mode != "off"
        }
    )


@dataclass(frozen=True)
class IncidentDetail:
    """An incident with its timeline and alarms."""

    incident: IncidentSummary
    timeline: list[TimelineEntry]
    alarms: list[AlarmRow]


class IncidentService:
    """Starts the engine (one writer thread) and the MQTT feeds; hands it payloads and actions.

    `node` names this csu among the nodes sharing an MQTT source's share group (the machine's
    name by default): it makes the feed's client id.

    With `cluster` (a NATS connection), this is an API node of a cluster: what it receives goes
    to the alarm stream (incidents.stream_intake), and its engine runs only while the node leads
    (`lead`, `follow`), reading the stream (incidents.stream_engine) and applying the actions
    every node relays to it (incidents.relay).
    """

    def __init__(
        self,
        db: Any,
        bus: EventBus,
        cameras: Sequence[CameraCone],
        *,
        rules: Sequence[Rule] = DEFAULT_RULES,
        settings: CorrelationSettings | None = None,
        sources: Sequence[AlarmSourceConfig] = (),
        clips: ClipPolicy | None = None,
        on_clip: ClipSink | None = None,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        node: str | None = None,
        cluster: Client | None = None,
        stream: StreamSettings | None = None,
    ) -> None:
        self._db = db

        def new_engine() -> IncidentEngine:
            correlator = Correlator(rules=rules, cameras=cameras, settings=settings)
            return IncidentEngine(
                db, bus.publish_threadsafe, correlator, clips=clips, on_clip=on_clip
            )

        self._new_engine = new_engine
        self.engine = new_engine()
        self.cluster = None if cluster is None else ClusterIntake(cluster, stream, node)
        sink: AlarmSink = self.engine if self.cluster is None else self.cluster.publisher
        self.intake = MqttIntake(
            sources,
            sink,
            node=node,
            max_payload_bytes=max_payload_bytes,
            ack_stored=self.cluster is not None,
        )

    @property
    def feeds(self) -> list[MqttFeed]:
        """The MQTT feeds, one per MQTT alarm source, each with its live status."""
        return self.intake.feeds

    async def start(self) -> None:
        """Restore state, start the writer, then subscribe to the MQTT feeds (a cluster's node:
        open the alarm stream; the engine waits for the lead)."""
        if self.cluster is None:
            await asyncio.to_thread(self.engine.start)
        else:
            self.engine.stop()  # until it leads: what would reach it is refused, not kept
            await self.cluster.publisher.start()
        self.intake.start()

    async def stop(self) -> None:
        """Unsubscribe, then drain and stop the writer."""
        await asyncio.to_thread(self.intake.stop)
        if self.cluster is not None:
            await self.follow()
            await self.cluster.publisher.stop()
        await asyncio.to_thread(self.engine.stop)

    async def lead(self) -> None:
        """A cluster's node that takes the lead: a fresh engine (restored from the database)
        reads the alarm stream and applies the cluster's actions."""
        assert self.cluster is not None
        self.engine = self._new_engine()
        await asyncio.to_thread(self.engine.start)
        await self.cluster.lead(self.engine)

    async def follow(self) -> None:
        """A cluster's node that gives the lead up: its engine stores what it holds and stops."""
        assert self.cluster is not None
        await self.cluster.follow(self.engine)

    async def submit(self, submission: Submission) -> IntakeResult:
        """Store, parse and correlate one payload (in a cluster, on the leader's own engine)."""
        return await asyncio.wrap_future(self.engine.submit(submission))

    async def raise_camera_alarm(self, camera_id: str, body: bytes) -> None:
        """Submit an alarm csu raises itself about a camera (its own alarm JSON: video loss,
        analytics); a refusal is logged, as there is no sender to answer."""
        submission = Submission(
            channel=Channel.INTERNAL,
            body=body,
            received_at=datetime.now(UTC),
            content_type="application/json",
            source_hint=camera_id,
        )
        result = await self.submit(submission)
        if not result.accepted:
            log.error("csu's own alarm on camera %s refused: %s", camera_id, result.error)

    async def receive(self, submission: Submission) -> IntakeResult | QueuedResult:
        """A payload from outside: stored and correlated (one process), or stored in the alarm
        stream (a cluster's node); EngineUnavailable when it could not be stored."""
        if self.cluster is None:
            return await self.submit(submission)
        return await self.cluster.receive(submission)

    async def act(self, command: IncidentCommand) -> IncidentSummary:
        """Carry out an operator action (in a cluster, on the leader's engine)."""
        if self.cluster is not None:
            return await self.cluster.relay.act(command)
        summary: IncidentSummary = await asyncio.wrap_future(self.engine.command(command))
        return summary


def list_alarms(
    session: Session,
    *,
    source: str | None = None,
    type_: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    seen: CameraScope = EVERY_CAMERA,
    before_id: int | None = None,
) -> tuple[list[AlarmRow], int]:
    """Stored alarms newest first, and how many match in all; of the cameras `seen` (or none)."""
    conditions = []
    if seen.cameras is not None:
        camera = ALARMS.c.camera_id
        conditions.append(sa.or_(camera.is_(None), camera.in_(sorted(seen.cameras))))
    if source:
        conditions.append(ALARMS.c.source == source)
    if type_:
        conditions.append(ALARMS.c.type == type_)
    if since:
        conditions.append(ALARMS.c.received_at >= since)
    counted = sa.select(sa.func.count()).select_from(ALARMS).where(*conditions)
    total = session.execute(counted).scalar_one()
    if before_id is not None:  # a later page: the count is of them all
        conditions.append(ALARMS.c.id < before_id)
    query = sa.select(ALARMS).where(*conditions).order_by(ALARMS.c.id.desc()).limit(limit)
    return read_alarms(session.connection(), query), int(total)


def list_incidents(
    session: Session,
    *,
    status: str | None = None,
    limit: int = 200,
    seen: CameraScope = EVERY_CAMERA,
) -> list[IncidentSummary]:
    """Incidents, most recently changed first: those on a camera `seen`, or on none."""
    query = sa.select(INCIDENTS)
    if status:
        query = query.where(INCIDENTS.c.status == status)
    if seen.cameras is not None:
        # In the database, not after the limit: a reader of one camera must not find their
        # incidents crowded out by two hundred of other cameras'. Ids are JSON strings there.
        cameras = INCIDENTS.c.cameras
        named = [cameras.contains(json.dumps(c), autoescape=True) for c in sorted(seen.cameras)]
        query = query.where(sa.or_(cameras == "[]", *named))
    query = query.order_by(INCIDENTS.c.updated_at.desc()).limit(limit)
    return read_incidents(session.connection(), query)


def incident_detail(session: Session, incident_id: int) -> IncidentDetail | None:
    """One incident with its timeline and alarms."""
    incident = load_incident(session.connection(), incident_id)
    if incident is None:
        return None
    query = sa.select(ALARMS).where(ALARMS.c.incident_id == incident_id).order_by(ALARMS.c.id)
    alarms = read_alarms(session.connection(), query)
    return IncidentDetail(incident, timeline(session, incident_id), alarms)
