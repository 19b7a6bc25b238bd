"""Camera gauges read at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from video.health import CameraState
from video.service import CameraService


def camera_metrics(service: CameraService) -> Iterator[Metric]:
    """csu_camera_up (1 online, 0.5 degraded, 0 offline) and csu_camera_fps per camera."""
    up = GaugeMetricFamily("csu_camera_up", "1 online, 0.5 degraded, 0 offline.", labels=["camera"])
    fps = GaugeMetricFamily("csu_camera_fps", "Frames per second measured.", labels=["camera"])
    value = {CameraState.ONLINE: 1.0, CameraState.DEGRADED: 0.5, CameraState.OFFLINE: 0.0}
    for view in service.cameras():
        up.add_metric([view.config.id], value[view.health.state])
        fps.add_metric([view.config.id], view.health.fps)
    yield up
    yield fps
    yield _positions(service)


def _positions(service: CameraService) -> Metric:
    known = GaugeMetricFamily(
        "csu_camera_position_known",
        "PTZ cameras whose zones follow them: 1 while the position is known, 0 while it is not"
        " and the whole picture is masked.",
        labels=["camera"],
    )
    for view in service.cameras():
        board = service.pose_board(view.config.id)
        if board is not None:
            known.add_metric([view.config.id], 0.0 if board.estimate() is None else 1.0)
    return known
