"""The indexer and the folder reconciliation: real segment files, a real (busy) database."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from csu.backoff import Backoff
from privacy.access_log import AccessLog
from privacy.retention.footage import DESTROY_ACTION, purge_footage
from tests.video.conftest import wait_for
from tests.video.recording_checks import decode
from tests.video.test_recording_index_busy import BusyIndex
from video.encoding import EncoderSettings, H264Stream, TimedPacket
from video.recording.files import probe_segment, recover_partial_segments
from video.recording.index import Segment, SegmentIndex
from video.recording.indexer import SegmentIndexer
from video.recording.store import SegmentStore
from video.recording.writer import SegmentWriter
from video.scenes import make_scene

FPS = 25
QUICK = Backoff(initial_s=0.1, maximum_s=0.4)


@pytest.fixture
def busy(database_url: str, tmp_path: Path) -> Iterator[BusyIndex]:
    """An index whose only pooled connection the test can hold."""
    index = BusyIndex(database_url, tmp_path / "recordings")
    yield index
    index.db.dispose()


def frames(start: float, count: int, *, keyframe_every: int = FPS) -> list[TimedPacket]:
    """Real encoded packets of the street scene, 25 fps from wall time `start`."""
    stream = H264Stream(EncoderSettings(fps=FPS, keyframe_interval_s=60))
    scene = make_scene("street", 320, 240)
    packets = []
    for i in range(count):
        pts = i * 90_000 // FPS
        encoded = stream.encode(scene.render(i / FPS), pts, keyframe=i % keyframe_every == 0)
        packets += [TimedPacket(p, pts, i % keyframe_every == 0, start + i / FPS) for p in encoded]
    return packets


def write_segment(root: Path, start: datetime, count: int = 50) -> Segment:
    """A closed segment of `count` frames, as a recorder writes it (not indexed)."""
    packets = frames(start.timestamp(), count)
    writer = SegmentWriter(root, "cam", "zones", packets[0])
    for packet in packets[1:]:
        writer.write(packet)
    return writer.close()


def indexed(index: SegmentIndex) -> list[Segment]:
    """Every indexed segment of the camera."""
    moment = datetime.now(UTC)
    return index.between("cam", moment - timedelta(days=400), moment + timedelta(days=1))


def test_segments_wait_on_disk_while_the_index_is_busy_then_are_indexed(
    busy: BusyIndex,
) -> None:
    indexer = SegmentIndexer(busy.index, backoff=QUICK, rng=random.Random(1))
    indexer.start()
    try:
        t0 = datetime.now(UTC) - timedelta(minutes=5)
        with busy.held():
            written = [write_segment(busy.index.root, t0 + timedelta(seconds=s)) for s in (0, 2)]
            for segment in written:
                indexer.submit(segment)
            assert wait_for(lambda: indexer.stats.failures >= 2, timeout=10)
            assert indexer.waiting == 2 and all(s.path.exists() for s in written)
        # No stop, no new segment: the retry indexes them once the index answers again.
        assert wait_for(lambda: indexer.waiting == 0, timeout=10)
        assert indexed(busy.index) == written  # the recorder's own entries, exact ends
    finally:
        indexer.stop()


def test_files_the_index_lacks_are_found_at_start_with_their_end_read_back(
    busy: BusyIndex,
) -> None:
    t0 = datetime.now(UTC) - timedelta(hours=1)
    lost = [write_segment(busy.index.root, t0 + timedelta(seconds=2 * i)) for i in range(3)]
    busy.index.add(lost[1])
    indexer = SegmentIndexer(busy.index, backoff=QUICK)
    indexer.start()
    try:
        assert wait_for(lambda: len(indexed(busy.index)) == 3, timeout=10)
        indexer.submit(lost[2])  # handed in late: indexed once, not twice
        assert wait_for(lambda: indexer.stats.indexed == 3, timeout=10)
    finally:
        indexer.stop()
    found = indexed(busy.index)
    assert [s.path for s in found] == [s.path for s in lost]
    for got, written in zip(found, lost, strict=True):
        assert got.start == written.start and got.size_bytes == written.size_bytes
        # Read back from the packets' clock rather than the frames' arrival: within a frame.
        assert abs((got.end - written.end).total_seconds()) < 1 / FPS


def test_a_file_still_being_written_is_never_indexed(busy: BusyIndex) -> None:
    packets = frames(datetime.now(UTC).timestamp(), 40)
    writer = SegmentWriter(busy.index.root, "cam", "zones", packets[0])
    for packet in packets[1:20]:
        writer.write(packet)
    indexer = SegmentIndexer(busy.index, reconcile_s=0.05)
    indexer.start()
    try:
        assert wait_for(lambda: indexer.stats.passes >= 2, timeout=5)
        for packet in packets[20:]:
            writer.write(packet)
        assert indexed(busy.index) == []
        indexer.submit(writer.close())
        assert wait_for(lambda: len(indexed(busy.index)) == 1, timeout=5)
    finally:
        indexer.stop()


def test_an_unindexed_file_past_retention_is_indexed_then_purged_and_logged(
    busy: BusyIndex,
) -> None:
    old = write_segment(busy.index.root, datetime.now(UTC) - timedelta(days=20))
    indexer = SegmentIndexer(busy.index)
    indexer.start()
    try:
        assert wait_for(lambda: len(indexed(busy.index)) == 1, timeout=10)
    finally:
        indexer.stop()
    log = AccessLog(busy.db)
    destroyed = purge_footage([SegmentStore(busy.index)], {"cam": 15}, log)
    assert [span.camera_id for span in destroyed] == ["cam"] and not old.path.exists()
    assert indexed(busy.index) == []
    entries = [e for e in log.entries() if e.action == DESTROY_ACTION]
    assert len(entries) == 1 and entries[0].camera_id == "cam"


def test_a_killed_recorders_unfinished_segment_is_kept_without_its_last_frame(
    tmp_path: Path,
) -> None:
    root = tmp_path / "recordings"
    start = datetime.now(UTC).timestamp()
    packets = frames(start, 30)
    writer = SegmentWriter(root, "cam", "zones", packets[0])
    for packet in packets[1:]:
        writer.write(packet)
    # What the disk holds when the process dies here, its last frame cut short.
    partial = writer.path.with_name(writer.path.name + ".part")
    crashed = tmp_path / "crashed"
    shutil.copytree(root, crashed)
    copy = crashed / partial.relative_to(root)
    copy.write_bytes(copy.read_bytes()[:-100])
    writer.abandon()

    final = copy.with_name(writer.path.name)
    assert recover_partial_segments(crashed) == [final]
    assert not copy.exists()
    segment = probe_segment(crashed, final)
    assert segment is not None
    assert segment.start.timestamp() == pytest.approx(start, abs=1e-6)
    assert segment.end.timestamp() == pytest.approx(start + 29 / FPS, abs=1e-3)
    kept = decode(segment)
    assert len(kept.images) == 29 and kept.first_is_key
