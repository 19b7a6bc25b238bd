"""The cameras of a site as running things: their workers, latest frames and health."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import cv2

from csu.bus import EventBus
from csu.config import CameraConfig
from csu.config.cameras import AnonymiserConfig
from csu.errors import NotFound, Unavailable
from privacy.access_log import AccessLog
from privacy.anonymise import Anonymiser, CenterFaceDetector, HoldRule, Style
from privacy.anonymise.public import PublicMasking
from privacy.guard import authorise_camera_action
from privacy.masking import FollowingZoneMasker, Masker, ZoneMasker
from privacy.policy import Action
from privacy.renditions import Rendition
from privacy.rights import Viewer
from privacy.zones.picture import PicturePose
from video.analytics.public import public_rendition_anonymiser
from video.events import CameraStatusChanged, VideoLoss, VideoRestored
from video.health import CameraState, Health, LossWatch, VideoBack, VideoLost, assess
from video.ingest import (
    AnonymisedRendition,
    IngestWorker,
    MaskedFrame,
    RenditionFeed,
    SourceOpener,
)
from video.onvif.ptz import OnvifPtz
from video.ptz.pose import PoseBoard, PoseTracker
from video.sources import open_source
from video.sources.base import Image

log = logging.getLogger(__name__)

UNSERVED = "no worker serves it"
MOVING = "the dome is moving or its position is unknown"


class UnknownCamera(NotFound):
    """No camera with that id in the site file."""


@dataclass(frozen=True)
class DomePose:
    """Where a dome's latest picture looks, or why that is not known now (in words)."""

    pose: PicturePose | None
    unknown: str | None


@dataclass(frozen=True)
class CameraView:
    """A camera's configuration and live health, as the API lists it."""

    config: CameraConfig
    health: Health


def face_anonymiser(settings: AnonymiserConfig) -> Anonymiser:
    """A camera's face anonymiser (CenterFace) from its site-file settings."""
    detector = CenterFaceDetector(long_side=settings.input_long_side, threshold=settings.threshold)
    rule = HoldRule(
        margin=settings.margin, growth_per_s=settings.growth_per_s, hold_cycles=settings.hold_cycles
    )
    # No fresh detection for three periods (at least a second) means the detector has stalled
    # or cannot keep up: the rendition then hides whole frames rather than trust old boxes.
    stale_after_s = max(1.0, 3.0 / settings.detection_fps)
    return Anonymiser(detector, rule=rule, style=Style(settings.style), stale_after_s=stale_after_s)


def anonymised_rendition(config: CameraConfig) -> AnonymisedRendition:
    """How a camera's worker makes its anonymised rendition when someone asks for it."""
    return AnonymisedRendition(
        make=partial(face_anonymiser, config.anonymiser),
        detection_fps=config.anonymiser.detection_fps,
    )


def public_rendition(config: CameraConfig, data_dir: Path | None) -> AnonymisedRendition | None:
    """The public rendition of a camera opted in for the public; None for any other camera
    (or with no data folder for the person model's export): the worker then never makes one."""
    if not config.public or data_dir is None:
        return None
    masking = PublicMasking()
    return AnonymisedRendition(
        make=partial(public_rendition_anonymiser, data_dir, masking),
        detection_fps=masking.detection_fps,
        delay_s=masking.delay_s,
    )


class CameraService:
    """Starts one ingest worker per enabled camera and publishes health changes on the bus."""

    def __init__(
        self,
        cameras: Iterable[CameraConfig],
        bus: EventBus,
        *,
        opener: SourceOpener = open_source,
        monitor_interval_s: float = 1.0,
        remote: Callable[[str], Health | None] | None = None,
        data_dir: Path | None = None,
    ) -> None:
        # On a cluster's API node: what the owning worker says of a camera not running here.
        self._remote = remote
        # Where the public rendition's person model is exported (none: no public rendition).
        self._data_dir = data_dir
        self._configs = {c.id: c for c in cameras}
        self._bus = bus
        self._opener = opener
        self._interval = monitor_interval_s
        self._workers: dict[str, IngestWorker] = {}
        self._poses: dict[str, PoseTracker] = {}
        self._zone_edits: dict[str, list[list[list[float]]]] = {}
        self._health: dict[str, Health] = {}
        self._loss: dict[str, LossWatch] = {}
        self._offline_seen_at: dict[str, float] = {}
        self._monitor: asyncio.Task[None] | None = None

    async def start(self, cameras: Iterable[str] | None = None) -> None:
        """Start the health monitor and the workers of `cameras` (every enabled one if None).

        A cluster's camera worker starts with none and adds those whose lease it takes.
        """
        for config in self._configs.values():
            if not config.enabled:
                self._health[config.id] = Health(CameraState.OFFLINE, "disabled in site file", 0.0)
        for camera_id in self._configs if cameras is None else cameras:
            self.start_camera(camera_id)
        self._monitor = asyncio.create_task(self._watch(), name="camera-health")

    def start_camera(self, camera_id: str, *, dark_since: datetime | None = None) -> bool:
        """Start one enabled camera's worker; False if unknown, disabled or running already.

        `dark_since` is when another worker last served it (it died): an outage that has
        lasted long enough is raised as video loss now, and cleared at the first picture.
        """
        config = self._configs.get(camera_id)
        if config is None or not config.enabled or camera_id in self._workers:
            return False
        if config.ptz_view is not None and config.onvif is not None:
            tracker = PoseTracker(
                camera_id, OnvifPtz(camera_id, config.onvif), PoseBoard(config.ptz_view)
            )
            self._poses[camera_id] = tracker
            tracker.start()
        worker = IngestWorker(
            config.id,
            config.source,
            config.fps,
            self._masker(camera_id, self.privacy_zones(camera_id)),
            opener=self._opener,
            anonymised=anonymised_rendition(config),
            public=public_rendition(config, self._data_dir),
        )
        self._workers[config.id] = worker
        worker.start()
        if dark_since is not None:
            self._dark_since(camera_id, dark_since)
        return True

    async def stop_camera(self, camera_id: str, reason: str) -> None:
        """Stop one camera's worker (joined off the event loop): its lease went elsewhere."""
        worker = self._workers.pop(camera_id, None)
        if worker is None:
            return
        await asyncio.to_thread(worker.stop)
        tracker = self._poses.pop(camera_id, None)
        if tracker is not None:
            await tracker.stop()
        self._loss.pop(camera_id, None)
        self._offline_seen_at.pop(camera_id, None)
        self._health[camera_id] = Health(CameraState.OFFLINE, reason, 0.0)

    def put_config(self, config: CameraConfig) -> None:
        """Take a camera's new settings (an administrator's); its worker is the caller's to
        restart (video.registry.changes)."""
        self._configs[config.id] = config
        if not config.enabled:
            self._health[config.id] = Health(CameraState.OFFLINE, "disabled", 0.0)

    def forget(self, camera_id: str) -> None:
        """Drop a retired camera, whose worker the caller has stopped (its footage stays)."""
        self._configs.pop(camera_id, None)
        self._health.pop(camera_id, None)

    def running(self) -> set[str]:
        """The cameras whose worker runs in this process."""
        return set(self._workers)

    def _dark_since(self, camera_id: str, since: datetime) -> None:
        watch = LossWatch(self._configs[camera_id].video_loss_after_s)
        now, now_utc = time.monotonic(), datetime.now(UTC)
        watch.offline_since = now - max(0.0, (now_utc - since).total_seconds())
        watch.offline_since_utc = since
        self._loss[camera_id] = watch
        if now - watch.offline_since >= watch.after_s:
            watch.raised = True
            self._bus.publish(
                VideoLoss(camera_id=camera_id, offline_since=since, reason="its worker stopped")
            )

    async def stop(self) -> None:
        """Stop the monitor and every worker (joined off the event loop)."""
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor
        workers = list(self._workers.values())
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in workers))
        self._workers.clear()
        await asyncio.gather(*(tracker.stop() for tracker in self._poses.values()))
        self._poses.clear()

    def cameras(self) -> list[CameraView]:
        """Every configured camera with its current health, in site-file order."""
        return [
            CameraView(c, self._health.get(c.id, Health(CameraState.OFFLINE, "starting", 0.0)))
            for c in self._configs.values()
        ]

    def camera(self, camera_id: str) -> CameraView | None:
        """One camera, if configured."""
        config = self._configs.get(camera_id)
        if config is None:
            return None
        return CameraView(
            config, self._health.get(camera_id, Health(CameraState.OFFLINE, "starting", 0.0))
        )

    def known(self, camera_id: str) -> CameraView:
        """One camera; UnknownCamera when the site file has none of that id."""
        view = self.camera(camera_id)
        if view is None:
            raise UnknownCamera(
                f"unknown camera '{camera_id}'", key="errors.unknown_camera", camera=camera_id
            )
        return view

    def latest_frame(
        self, camera_id: str, rendition: Rendition = Rendition.ZONES
    ) -> MaskedFrame | None:
        """The newest masked frame of a running camera in the given rendition.

        Asking for the anonymised or public rendition starts it (None until its first frame,
        which stays wholly obscured until the first detection is done); the public one of a
        camera not opted in for the public is None, always.
        """
        worker = self._workers.get(camera_id)
        if worker is None or not worker.offers(rendition):
            return None
        return worker.latest(rendition)

    def feed(self, camera_id: str, rendition: Rendition) -> RenditionFeed | None:
        """One rendition of a running camera, for consumers that follow every frame; None for
        a rendition it does not make (the public one of a camera not opted in)."""
        worker = self._workers.get(camera_id)
        return None if worker is None or not worker.offers(rendition) else worker.feed(rendition)

    def privacy_zones(self, camera_id: str) -> list[list[list[float]]]:
        """The zones in force on a camera: the last saved edit, else the site file's."""
        if camera_id in self._zone_edits:
            return self._zone_edits[camera_id]
        config = self._configs[camera_id]
        return [[[x, y] for x, y in polygon] for polygon in config.privacy_zones]

    def apply_privacy_zones(self, camera_id: str, zones: list[list[list[float]]]) -> None:
        """Burn new zones from the next frame on (the caller has logged and stored them)."""
        self._zone_edits[camera_id] = zones
        worker = self._workers.get(camera_id)
        if worker is not None:
            worker.set_privacy_zones(self._masker(camera_id, zones))

    def pose_board(self, camera_id: str) -> PoseBoard | None:
        """Where a running PTZ camera with a `ptz_view` looks (told of csu's own moves)."""
        tracker = self._poses.get(camera_id)
        return None if tracker is None else tracker.board

    def moving_soon(self, camera_id: str) -> None:
        """csu is sending a PTZ camera a move: its zones grow before a reading says it turns."""
        tracker = self._poses.get(camera_id)
        if tracker is not None:
            tracker.board.commanded()

    def dome_pose(self, camera_id: str) -> DomePose:
        """Where a running dome's latest picture looks, when the dome is known to be still."""
        tracker = self._poses.get(camera_id)
        if tracker is None:
            elsewhere = self._remote is not None and camera_id not in self._workers
            why = "it runs on a camera worker of the cluster, not on this node"
            return DomePose(None, why if elsewhere else "the dome is not running")
        rest = tracker.board.at_rest()
        frame = self.latest_frame(camera_id)
        if rest is None:
            return DomePose(None, MOVING)
        if frame is None:
            return DomePose(None, "the dome has no picture right now")
        height, width = frame.image.shape[:2]
        return DomePose(PicturePose(rest.pan, rest.tilt, rest.fov_low, width / height), None)

    def _masker(self, camera_id: str, zones: list[list[list[float]]]) -> Masker:
        # A PTZ camera's zones are on its pan/tilt map and follow where it looks.
        tracker = self._poses.get(camera_id)
        if tracker is None:
            return ZoneMasker(zones)
        return FollowingZoneMasker(zones, tracker.board.view, tracker.board.estimate)

    def worker(self, camera_id: str) -> IngestWorker | None:
        """The running ingest worker of a camera (for consumers that follow every frame)."""
        return self._workers.get(camera_id)

    def check_health(self) -> None:
        """Assess every worker now; publish status news, video loss and its end on the bus.

        A status is published when the state changes and also when an offline camera's reason
        does (see CameraStatusChanged): an operator needs "connection refused" as much as
        "offline".
        """
        now, now_utc = time.monotonic(), datetime.now(UTC)
        for camera_id, worker in self._workers.items():
            health = assess(
                clock=worker.clock,
                now=now,
                nominal_fps=worker.fps,
                started_at=worker.started_at,
                error=worker.error,
                offline_seen_at=self._offline_seen_at.get(camera_id),
            )
            if health.state is CameraState.OFFLINE:
                self._offline_seen_at[camera_id] = now
            self._publish_status(camera_id, health)
            self._watch_loss(camera_id, health, now, now_utc)
        if self._remote is not None:
            self._follow_remote(self._remote)

    def _follow_remote(self, remote: Callable[[str], Health | None]) -> None:
        # The owning worker publishes its cameras' news to every node; what only this node can
        # tell is that no worker serves a camera any more (its worker died), and it tells
        # only its own subscribers. Video loss is raised by the worker that takes it over.
        for camera_id, config in self._configs.items():
            if camera_id in self._workers or not config.enabled:
                continue
            health = remote(camera_id)
            if health is not None:
                self._health[camera_id] = health
            else:
                self._publish_status(
                    camera_id, Health(CameraState.OFFLINE, UNSERVED, 0.0), here=True
                )

    def _publish_status(self, camera_id: str, health: Health, *, here: bool = False) -> None:
        previous = self._health.get(camera_id)
        self._health[camera_id] = health
        if health.differs_from(previous):
            publish = self._bus.publish_here if here else self._bus.publish
            publish(
                CameraStatusChanged(
                    camera_id=camera_id,
                    status=health.state.value,
                    previous=previous.state.value if previous else None,
                    reason=health.reason,
                )
            )

    def _watch_loss(self, camera_id: str, health: Health, now: float, now_utc: datetime) -> None:
        watch = self._loss.get(camera_id)
        if watch is None:
            watch = LossWatch(self._configs[camera_id].video_loss_after_s)
            self._loss[camera_id] = watch
        news = watch.update(health, now, now_utc)
        if isinstance(news, VideoLost):
            self._bus.publish(
                VideoLoss(camera_id=camera_id, offline_since=news.offline_since, reason=news.reason)
            )
        elif isinstance(news, VideoBack):
            self._bus.publish(
                VideoRestored(
                    camera_id=camera_id,
                    offline_since=news.offline_since,
                    offline_for_s=round(news.offline_for_s, 3),
                )
            )

    async def _watch(self) -> None:
        while True:
            try:
                self.check_health()
            except Exception:
                log.exception("camera health check failed")
            await asyncio.sleep(self._interval)


JPEG_QUALITY = 80


class NoFrame(Unavailable, LookupError):
    """The camera has no frame to give (offline or starting)."""


def encode_jpeg(image: Image, quality: int = JPEG_QUALITY) -> bytes:
    """The image as JPEG bytes."""
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(buffer)


def take_snapshot(
    cameras: CameraService,
    access_log: AccessLog,
    *,
    viewer: Viewer,
    camera_id: str,
    rendition: Rendition,
    client: str | None,
) -> bytes:
    """Check the right and log the access, then encode the latest masked frame."""
    frame = cameras.latest_frame(camera_id, rendition)
    details = {
        "rendition": rendition.value,
        "frame_at": datetime.fromtimestamp(frame.wallclock, UTC).isoformat() if frame else None,
    }
    authorise_camera_action(
        access_log,
        viewer=viewer,
        action=Action.SNAPSHOT,
        camera_id=camera_id,
        client=client,
        details=details,
    )
    if frame is None:
        raise NoFrame(
            f"camera '{camera_id}' has no picture right now",
            key="errors.no_picture",
            camera=camera_id,
        )
    return encode_jpeg(frame.image)
