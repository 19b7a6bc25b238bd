"""The ONVIF face of the video package: the event subscriptions of the site's ONVIF cameras."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Sequence

from prometheus_client.core import GaugeMetricFamily, Metric

from csu.config import CameraConfig
from video.onvif.events import CameraEvents, EventSink, EventsStatus

__all__ = ["EventSink", "EventsStatus", "OnvifEvents", "onvif_metrics"]


class OnvifEvents:
    """One PullPoint subscription per enabled camera that has `onvif` settings.

    `remote` tells the status of a subscription another node holds (a cluster's API node: the
    worker that owns the camera reports it).
    """

    def __init__(
        self,
        cameras: Sequence[CameraConfig],
        sink: EventSink,
        *,
        remote: Callable[[str], EventsStatus | None] | None = None,
    ) -> None:
        self._remote = remote
        self._sink = sink
        self.cameras = [
            CameraEvents(camera.id, camera.onvif, sink)
            for camera in cameras
            if camera.enabled and camera.onvif is not None
        ]

    def start(self) -> None:
        """Subscribe to every camera, each on a task of the running loop."""
        for camera in self.cameras:
            camera.start()

    def start_camera(self, camera_id: str) -> None:
        """Subscribe to one camera (a worker that gained it); nothing for a camera without
        ONVIF settings or already subscribed."""
        camera = self._camera(camera_id)
        if camera is not None and not camera.running:
            camera.start()

    async def stop_camera(self, camera_id: str) -> None:
        """Unsubscribe from one camera (a worker that lost it)."""
        camera = self._camera(camera_id)
        if camera is not None:
            await camera.stop()

    async def follow_camera(
        self, camera_id: str, config: CameraConfig | None, *, start: bool
    ) -> None:
        """An administrator's change (video.registry.changes): the subscription on the camera's
        old settings is closed, and one on its new ONVIF address opened when `start` (none for
        a retired camera, or one without ONVIF settings)."""
        await self.stop_camera(camera_id)
        # In place: the metrics collector holds this list.
        self.cameras[:] = [c for c in self.cameras if c.camera_id != camera_id]
        if config is not None and config.enabled and config.onvif is not None:
            self.cameras.append(CameraEvents(camera_id, config.onvif, self._sink))
            if start:
                self.start_camera(camera_id)

    async def stop(self) -> None:
        """Unsubscribe from every camera."""
        await asyncio.gather(*(camera.stop() for camera in self.cameras))

    def running(self) -> list[str]:
        """The cameras subscribed to now."""
        return [camera.camera_id for camera in self.cameras if camera.running]

    def status(self, camera_id: str) -> EventsStatus | None:
        """The camera's subscription as it stands now; None for a camera without one."""
        camera = self._camera(camera_id)
        if camera is not None:
            return camera.status
        return None if self._remote is None else self._remote(camera_id)

    def _camera(self, camera_id: str) -> CameraEvents | None:
        return next((c for c in self.cameras if c.camera_id == camera_id), None)


def onvif_metrics(subscriptions: Iterable[CameraEvents]) -> Iterator[Metric]:
    """csu_onvif_events_up (1 subscribed and pulling, else 0), messages and subscriptions."""
    up = GaugeMetricFamily(
        "csu_onvif_events_up",
        "1 when the camera's ONVIF event subscription is pulled.",
        labels=["camera"],
    )
    received = GaugeMetricFamily(
        "csu_onvif_events_received",
        "ONVIF notification messages received from the camera since csu started.",
        labels=["camera"],
    )
    created = GaugeMetricFamily(
        "csu_onvif_subscriptions",
        "ONVIF event subscriptions created since csu started (more than one: re-created).",
        labels=["camera"],
    )
    for subscription in subscriptions:
        status = subscription.status
        up.add_metric([status.camera_id], 1.0 if status.connected else 0.0)
        received.add_metric([status.camera_id], float(status.received))
        created.add_metric([status.camera_id], float(status.subscriptions))
    yield up
    yield received
    yield created
