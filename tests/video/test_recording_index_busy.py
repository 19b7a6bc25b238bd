"""A busy index never costs footage: a real camera records while the database refuses writes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from csu.config import CameraConfig
from csu.config.cameras import RecordingConfig
from csu.db import Database
from csu.migrate import upgrade
from privacy.renditions import Rendition
from tests.video.recording_checks import assert_contiguous, assert_zone_masked, decode, now
from tests.video.test_recording import demo_worker as demo_worker
from tests.video.test_recording import pool as pool
from video.encoding import BroadcastPool
from video.ingest import FrameProvider, IngestWorker
from video.recording.index import SegmentIndex
from video.recording.service import RecordingService

# A pool of one connection that gives up quickly: the test holds the connection, and every index
# write meanwhile fails as it did when a WHEP flood exhausted the real pool (pool timeout).
POOL_TIMEOUT_S = 0.5


class BusyIndex:
    """A migrated database whose only pooled connection the test can hold."""

    def __init__(self, url: str, root: Path) -> None:
        db = Database(url)
        upgrade(db.engine)
        db.engine.dispose()
        db.engine = sa.create_engine(
            url, pool_size=1, max_overflow=0, pool_timeout=POOL_TIMEOUT_S, pool_pre_ping=True
        )
        self.db = db
        self.index = SegmentIndex(db, root)

    @contextmanager
    def held(self) -> Iterator[None]:
        """While inside, every other use of the database times out."""
        with self.db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            yield


@pytest.fixture
def busy(database_url: str, tmp_path: Path) -> Iterator[BusyIndex]:
    """A busy-able index over an empty recordings folder."""
    index = BusyIndex(database_url, tmp_path / "recordings")
    yield index
    index.db.dispose()


def on_disk(root: Path) -> list[Path]:
    """Every finished segment file under the recordings folder."""
    return sorted(root.rglob("*.ts"))


async def test_segments_recorded_while_the_index_is_busy_are_kept_and_indexed(
    busy: BusyIndex, pool: BroadcastPool, demo_worker: IngestWorker
) -> None:
    def feeds(camera_id: str, rendition: Rendition) -> FrameProvider | None:
        return demo_worker.feed(rendition)

    config = CameraConfig(
        id="cam", name="Cam", source="demo://street", recording=RecordingConfig(segment_s=2)
    )
    service = RecordingService([config], pool, feeds, busy.index)
    before = now()
    await service.start()
    await asyncio.sleep(2.5)
    with busy.held():
        # About three segments close while nothing can be written to the index.
        await asyncio.sleep(6.5)
        unindexed = on_disk(busy.index.root)
    await asyncio.sleep(2.5)
    recorder = service.recorder("cam")
    assert recorder is not None
    await service.stop()
    after = now()

    files = on_disk(busy.index.root)
    segments = busy.index.between("cam", before - timedelta(minutes=1), after)
    assert recorder.stats.dropped == 0, "the recorder waited on the index and dropped packets"
    assert set(unindexed) <= set(files), "a segment the index could not take was deleted"
    assert [s.path for s in segments] == files, "every file on disk is indexed, once"
    assert len(segments) >= 5
    assert_contiguous(segments, before, after)
    for segment in segments:
        frames = decode(segment)
        assert frames.first_is_key and frames.walls[0] == segment.start
        assert_zone_masked(frames.images[-1])
