"""The lawful switch at run time: disabled cameras raise nothing; the end date stops analysis."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from csu.config import CameraConfig
from csu.scheduler import Scheduler
from privacy.renditions import Rendition
from tests.video.conftest import wait_for
from video.analytics.events import VideoAnalyticsEvent
from video.analytics.service import AnalyticsService, authorisation_end
from video.ingest import MaskedFrame

PARIS = ZoneInfo("Europe/Paris")
END = date(2026, 12, 31)
# A weights-free rule, so the test needs no model: anything moving down across mid-height.
WRONG_WAY = {
    "kind": "wrong_way",
    "name": "lane-up",
    "line": [[0, 0.5], [1, 0.5]],
    "direction": [0, -1],
    "objects": ["moving"],
}


class FallingSquare:
    """A feed of masked frames: a still street, then a bright square going down, again and again."""

    def __init__(self) -> None:
        self._index = 0
        self._lock = threading.Lock()

    def latest(self) -> MaskedFrame | None:
        return None

    def wait_frame(self, after_index: int, timeout: float) -> MaskedFrame:
        with self._lock:
            self._index += 1
            index = self._index
        image = np.full((180, 320, 3), 60, np.uint8)
        phase = index % 30
        if phase >= 8:  # eight still frames teach the background first
            y = int((phase - 8) * 9)
            image[y : y + 30, 140:180] = 230
        return MaskedFrame(image, index, index * 0.2, time.time())


def camera(camera_id: str, *, enabled: bool) -> CameraConfig:
    """A demo camera whose analytics are on (lawfully) or off."""
    analytics = {"fps": 10, "rules": [WRONG_WAY]}
    if enabled:
        analytics |= {"enabled": True, "legal_basis": "Arrêté n° 2026-118 (test)", "end_date": END}
    return CameraConfig.model_validate(
        {"id": camera_id, "name": camera_id, "source": "demo://street", "analytics": analytics}
    )


def service(
    tmp_path: Path, now: list[datetime], events: list[VideoAnalyticsEvent]
) -> AnalyticsService:
    """Two cameras, one authorised; every camera is fed the falling square."""
    feeds = {"cam-on": FallingSquare(), "cam-off": FallingSquare()}
    return AnalyticsService(
        [camera("cam-on", enabled=True), camera("cam-off", enabled=False)],
        [],
        lambda camera_id, rendition: feeds.get(camera_id) if rendition is Rendition.ZONES else None,
        events.append,
        data_dir=tmp_path,
        tz=PARIS,
        clock=lambda: now[0],
    )


async def test_only_authorised_cameras_raise_events_until_the_end_date(tmp_path: Path) -> None:
    now = [datetime(2026, 12, 31, 22, 0, tzinfo=UTC)]  # 23:00 in Paris on the last day
    events: list[VideoAnalyticsEvent] = []
    analytics = service(tmp_path, now, events)
    analytics.start()
    try:
        assert analytics.running() == ["cam-on"]
        assert wait_for(lambda: len(events) >= 2, timeout=30)
        assert {e.camera_id for e in events} == {"cam-on"}
        first = events[0]
        assert first.kind == "wrong_way" and first.rule == "lane-up" and first.track
        assert first.snapshot is not None and (tmp_path / first.snapshot).is_file()
        assert 0 <= first.box[1] < first.box[3] <= 1
        now[0] = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # midnight in Paris: it has ended
        assert analytics.end_due() == ["cam-on"]
        assert analytics.running() == []
        count = len(events)
        time.sleep(1.0)
        assert len(events) == count
        assert not analytics.authorised("cam-on")
    finally:
        await analytics.stop()


async def test_cameras_past_their_end_date_never_start(tmp_path: Path) -> None:
    now = [datetime(2027, 1, 1, 9, 0, tzinfo=UTC)]
    analytics = service(tmp_path, now, [])
    analytics.start()
    assert analytics.running() == []
    await analytics.stop()


async def test_the_end_date_switch_is_scheduled(tmp_path: Path) -> None:
    now = [datetime(2026, 12, 1, tzinfo=UTC)]
    analytics = service(tmp_path, now, [])
    scheduler = Scheduler(f"sqlite:///{tmp_path / 'jobs.db'}")
    analytics.start()
    try:
        analytics.schedule(scheduler)
        jobs = {job.id for job in scheduler.jobs()}
        assert {"analytics.end.cam-on", "analytics.end_due"} <= jobs
        assert "analytics.end.cam-off" not in jobs
        ends = authorisation_end(END, PARIS)
        assert ends == datetime(2027, 1, 1, tzinfo=PARIS)
        assert ends.astimezone(UTC) == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    finally:
        await analytics.stop()
        await scheduler.shutdown()
