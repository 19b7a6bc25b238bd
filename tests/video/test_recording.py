"""Recording: real cameras (demo and RTSP), the shared live encoder, segment files and the index."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from csu.config.cameras import RecordingConfig
from csu.db import Database
from csu.migrate import upgrade
from privacy.masking import ZoneMasker
from privacy.renditions import Rendition
from tests.video.recording_checks import (
    ZONE,
    assert_contiguous,
    assert_zone_masked,
    decode,
    now,
    record_for,
    tree,
)
from tests.video.rtsp_server import RtspServer
from video.encoding import BroadcastPool, EncoderSettings, H264Stream
from video.ingest import IngestWorker
from video.live import PacketTrack
from video.recording.index import SegmentIndex
from video.recording.recorder import CameraRecorder
from video.scenes import make_scene
from video.sources import FrameSource
from video.sources.demo import DemoSource


def small_demo(url: str, fps: float) -> FrameSource:
    """The demo scene at 640x360, so encoding stays cheap on a shared test machine."""
    return DemoSource(url.removeprefix("demo://"), fps, 640, 360)


@pytest.fixture
def index(database_url: str, tmp_path: Path) -> Iterator[SegmentIndex]:
    """A migrated database and a recordings folder."""
    db = Database(database_url)
    upgrade(db.engine)
    yield SegmentIndex(db, tmp_path / "recordings")
    db.dispose()


@pytest.fixture
async def pool() -> AsyncIterator[BroadcastPool]:
    """The live fan-out, with an IDR every half second so 2 s segments cut promptly."""
    broadcasts = BroadcastPool(EncoderSettings(keyframe_interval_s=0.5), grace_s=0.1)
    yield broadcasts
    await broadcasts.stop()


@pytest.fixture
def demo_worker() -> Iterator[IngestWorker]:
    """A demo camera with a privacy zone, running."""
    worker = IngestWorker("cam", "demo://street", 25, ZoneMasker([ZONE]), opener=small_demo)
    worker.start()
    yield worker
    worker.stop()


async def test_demo_camera_records_masked_keyframe_segments_shared_with_live(
    index: SegmentIndex, pool: BroadcastPool, demo_worker: IngestWorker
) -> None:
    before = now()
    recorder = CameraRecorder("cam", RecordingConfig(segment_s=2), index.root, index.add)
    recorder.start()
    pool.subscribe("cam", Rendition.ZONES, demo_worker.feed(Rendition.ZONES), recorder.offer)
    await asyncio.sleep(2.0)
    viewer = PacketTrack()
    pool.attach("cam", Rendition.ZONES, demo_worker.feed(Rendition.ZONES), viewer)
    # One encode for both: the viewer joins the recorder's encoder.
    assert pool.encoder_count() == 1 and pool.viewer_count("cam", Rendition.ZONES) == 1
    assert (await asyncio.wait_for(viewer.recv(), 5)).is_keyframe
    viewer.stop()
    await asyncio.sleep(3.5)
    assert pool.encoder_count() == 1, "the recorder keeps its encoder after the viewer left"
    pool.unsubscribe("cam", Rendition.ZONES, recorder.offer)
    await asyncio.to_thread(recorder.stop)
    after = now()

    segments = index.between("cam", before - timedelta(minutes=1), after)
    assert len(segments) >= 2 and recorder.stats.dropped == 0
    assert_contiguous(segments, before, after)
    assert [p.name for p in tree(index.root)] == [s.path.name for s in segments]
    for segment in segments[:-1]:  # cut at the first keyframe after 2 s (IDR every 0.5 s)
        assert 2.0 <= (segment.end - segment.start).total_seconds() <= 3.0
    for segment in segments:
        day, stamp = segment.start.strftime("%Y-%m-%d"), segment.start.strftime("%Y%m%dT%H%M%S.%f")
        assert segment.path == index.root / "cam" / "zones" / day / f"{stamp}Z.ts"
        frames = decode(segment)
        assert frames.first_is_key, "every segment starts on a keyframe"
        assert frames.walls[0] == segment.start
        # The end is the last frame plus one frame interval.
        interval = frames.walls[-1] - frames.walls[-2]
        assert abs((segment.end - frames.walls[-1] - interval).total_seconds()) < 1e-5
        assert_zone_masked(frames.images[0])
        assert_zone_masked(frames.images[-1])
    # The index answers overlaps only: a range inside the second segment finds just that one.
    second = segments[1]
    margin = timedelta(seconds=0.1)
    inside = index.between("cam", second.start + margin, second.end - margin)
    assert inside == [second]


async def test_events_mode_keeps_a_pre_alarm_buffer_and_stops_after_the_post_alarm(
    index: SegmentIndex, pool: BroadcastPool, demo_worker: IngestWorker
) -> None:
    config = RecordingConfig(mode="events", segment_s=2, pre_alarm_s=2, post_alarm_s=1)
    recorder = CameraRecorder("cam", config, index.root, index.add)
    recorder.start()
    pool.subscribe("cam", Rendition.ZONES, demo_worker.feed(Rendition.ZONES), recorder.offer)
    start = now()
    await asyncio.sleep(3.5)
    assert index.between("cam", start - timedelta(minutes=1), now()) == [], "idle: no file"
    alarm = now()
    since = alarm - timedelta(seconds=config.pre_alarm_s)
    recorder.trigger(
        since.timestamp(), (alarm + timedelta(seconds=config.post_alarm_s)).timestamp()
    )
    await asyncio.sleep(3.0)
    pool.unsubscribe("cam", Rendition.ZONES, recorder.offer)
    await asyncio.to_thread(recorder.stop)

    segments = index.between("cam", start - timedelta(minutes=1), now())
    assert segments
    assert_contiguous(segments, start, now())
    # The clip starts before the trigger by at least the pre-alarm time (whole GOPs kept).
    assert since - timedelta(seconds=1.5) <= segments[0].start <= since
    # ...and ends once the post-alarm time is over, though the camera went on.
    stop_at = alarm + timedelta(seconds=config.post_alarm_s)
    assert abs((segments[-1].end - stop_at).total_seconds()) < 0.3
    first = decode(segments[0])
    assert first.first_is_key and first.walls[0] < alarm
    assert_zone_masked(first.images[0])


@pytest.mark.slow
async def test_rtsp_camera_records_masked_segments(
    index: SegmentIndex, pool: BroadcastPool, rtsp_server: RtspServer
) -> None:
    worker = IngestWorker("rtsp", rtsp_server.url, 10, ZoneMasker([ZONE]))
    worker.start()
    try:
        before = now()
        recorder = await record_for(
            pool, worker.feed(Rendition.ZONES), index, RecordingConfig(segment_s=2), 7.0, "rtsp"
        )
        after = now()
    finally:
        await asyncio.to_thread(worker.stop)
    segments = index.between("rtsp", before, after)
    assert len(segments) >= 2 and recorder.stats.segments == len(segments)
    assert_contiguous(segments, before, after)
    for segment in segments:
        frames = decode(segment)
        assert frames.first_is_key and frames.walls[0] == segment.start
        assert frames.images[0].shape == (432, 768, 3)
        assert_zone_masked(frames.images[-1])


def test_a_camera_outage_ends_the_segment_instead_of_spanning_it(index: SegmentIndex) -> None:
    stream = H264Stream(EncoderSettings(keyframe_interval_s=1.0))
    scene = make_scene("street", 320, 240)
    recorder = CameraRecorder("cam", RecordingConfig(segment_s=10), index.root, index.add)
    recorder.start()
    t0 = now().timestamp()
    for i in range(40):  # 1 s, then the camera is away 5 s, then 0.6 s more
        at = i / 25 if i < 25 else 5 + i / 25
        keyframe = i in (0, 25)  # the encoder forces an IDR after an outage
        for packet in stream.encode(scene.render(at), round(at * 90_000), keyframe=keyframe):
            recorder.offer(packet, t0 + at)
    recorder.stop()
    first, second = index.between("cam", now() - timedelta(minutes=1), now() + timedelta(minutes=1))
    assert first.end.timestamp() == pytest.approx(t0 + 1.0, abs=0.001)
    assert second.start.timestamp() == pytest.approx(t0 + 6.0, abs=0.001)
    assert len(decode(first).images) == 25 and len(decode(second).images) == 15
