"""The incidents package's public face: intake, actions and queries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from nats.aio.client import Client

from csu.bus import EventBus
from csu.config import AlarmSourceConfig, CameraConfig, SiteConfig
from csu.i18n import Language
from incidents.alarms.catalogue import type_label, type_labels
from incidents.alarms.scales import severity_rank
from incidents.analytics_decisions import decision_counts
from incidents.clips import ClipPolicy, ClipSink
from incidents.commands import ActionName, IncidentCommand
from incidents.correlation import DEFAULT_RULES, CorrelationSettings, Correlator, Rule
from incidents.coverage import CameraCone
from incidents.engine import IncidentEngine, IntakeResult
from incidents.events import IncidentSummary
from incidents.forum_view import ForumState, forum_state
from incidents.geo import LonLat
from incidents.intake import MqttIntake
from incidents.logbook import logbook
from incidents.models import IncidentStatus
from incidents.mqtt import AlarmSink, FeedStatus, MqttFeed
from incidents.parsing import MAX_PAYLOAD_BYTES, Channel, Submission, kept_of_too_large, too_large
from incidents.reading import (
    AlarmPage,
    IncidentDetail,
    IncidentView,
    alarm_page,
    incident_detail,
    incident_view,
    incidents_seen,
    is_assignee,
    list_alarms,
    list_incidents,
    rejected_page,
)
from incidents.rejected import rejected_body
from incidents.search import IncidentPage, IncidentQuery, search_incidents
from incidents.stream import StreamSettings
from incidents.stream_cluster import ClusterIntake
from incidents.stream_intake import QueuedResult
from incidents.timeline_groups import (
    AlarmFacts,
    AlarmGroup,
    AlarmRef,
    describe_group,
    group_entries,
    timeline_facts,
)
from incidents.timeline_view import TimelineGroup, TimelineItem, TimelineView, alarm_refs
from incidents.visibility import shown_alarms, shown_incident

# The package's face: the service, and what callers outside the package use with it, each
# defined where it belongs: the intake's payloads and answers, an operator's command, what
# readers see, which incidents and alarms a reader may see, the order of severities, the log book.
__all__ = [
    "ActionName",
    "AlarmFacts",
    "AlarmGroup",
    "AlarmPage",
    "AlarmRef",
    "Channel",
    "ForumState",
    "IncidentCommand",
    "IncidentDetail",
    "IncidentPage",
    "IncidentQuery",
    "IncidentService",
    "IncidentStatus",
    "IncidentSummary",
    "IncidentView",
    "IntakeResult",
    "QueuedResult",
    "Submission",
    "TimelineGroup",
    "TimelineItem",
    "TimelineView",
    "alarm_page",
    "alarm_refs",
    "camera_cones",
    "clip_policy",
    "decision_counts",
    "describe_group",
    "forum_state",
    "group_entries",
    "incident_detail",
    "incident_view",
    "incidents_seen",
    "is_assignee",
    "kept_of_too_large",
    "list_alarms",
    "list_incidents",
    "logbook",
    "rejected_body",
    "rejected_page",
    "search_incidents",
    "severity_rank",
    "shown_alarms",
    "shown_incident",
    "timeline_facts",
    "too_large",
    "type_label",
    "type_labels",
]

log = logging.getLogger(__name__)


def camera_cones(site: SiteConfig | Iterable[CameraConfig]) -> list[CameraCone]:
    """The cameras that have a place and a view, as coverage geometry."""
    cameras = site.cameras if isinstance(site, SiteConfig) else site
    return [
        CameraCone(
            c.id,
            LonLat(c.location.lon, c.location.lat),
            c.view.bearing_deg,
            c.view.fov_deg,
            c.view.range_m,
        )
        for c in cameras
        if c.location is not None and c.view is not None
    ]


def clip_policy(site: SiteConfig | Iterable[CameraConfig]) -> ClipPolicy:
    """Clip windows of the recording cameras (pre- and post-alarm seconds)."""
    cameras = site.cameras if isinstance(site, SiteConfig) else site
    return ClipPolicy(
        {
            c.id: (c.recording.pre_alarm_s, c.recording.post_alarm_s)
            for c in cameras
            if c.enabled and c.recording.mode != "off"
        }
    )


class IncidentService:
    """Starts the engine (one writer thread) and the MQTT feeds; hands it payloads and actions.

    `language` is the site's: an incident is titled and given its checklist in it when opened.

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
        language: Language = "fr",
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        node: str | None = None,
        cluster: Client | None = None,
        stream: StreamSettings | None = None,
    ) -> None:
        self._db = db
        self.language = language  # the site's, for what csu itself writes into alarms
        # The cameras in force, replaced as administrators change them (use_cameras): an engine
        # made later (a cluster node taking the lead) starts with them.
        self._cones: Sequence[CameraCone] = tuple(cameras)
        self._clips = clips

        def new_engine() -> IncidentEngine:
            correlator = Correlator(rules=rules, cameras=self._cones, settings=settings)
            return IncidentEngine(
                db,
                bus.publish_threadsafe,
                correlator,
                clips=self._clips,
                on_clip=on_clip,
                language=language,
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

    def use_cameras(self, cameras: Iterable[CameraConfig]) -> None:
        """Correlate with these cameras from now on (the registry's, after an administrator
        added, edited or retired one): their coverage, and the clips of those that record."""
        listed = list(cameras)
        self._cones = tuple(camera_cones(listed))
        if self._clips is not None:
            self._clips = clip_policy(listed)
        self.engine.use_cameras(self._cones, self._clips)

    @property
    def feeds(self) -> list[MqttFeed]:
        """The MQTT feeds, one per MQTT alarm source, each with its live status."""
        return self.intake.feeds

    def feed_status(self, source_id: str) -> FeedStatus:
        """An MQTT source's feed as it stands now ('not started' when none runs for it)."""
        for feed in self.intake.feeds:
            if feed.status.source_id == source_id:
                return feed.status
        return FeedStatus(source_id, last_error="not started")

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
