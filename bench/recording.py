"""Recording: CPU per 720p camera on top of ingest and the live encode (target < 0.01 cores).

Run: `python -m bench.recording [--cameras 2] [--seconds 20]`; prints one JSON line per figure.

Each camera is a real ingest worker on the demo `street` scene at 720p25 with two privacy zones,
encoded once by the live encoder. The first phase keeps the encoders running with a sink that
drops every packet (ingest + encode alone); the second subscribes a real recorder per camera
(continuous, 10 s MPEG-TS segments, SQLite index written by the indexer thread). The recorder's
own figure is the CPU time of its thread and of the indexer's (`time.thread_time()` around every
packet handled, file writes, and index inserts); the process CPU of both phases is printed too,
though on a shared machine their difference is noisier than the recorder's own count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csu.config.cameras import RecordingConfig
from csu.db import Database
from csu.migrate import upgrade
from privacy.masking import ZoneMasker
from privacy.renditions import Rendition
from video.encoding import BroadcastPool, EncoderSettings
from video.ingest import IngestWorker
from video.recording.index import SegmentIndex
from video.recording.indexer import SegmentIndexer
from video.recording.recorder import CameraRecorder

if TYPE_CHECKING:
    from video.encoding.encoder import EncodedPacket

FPS = 25
ZONES = [
    [(0.04, 0.09), (0.46, 0.09), (0.46, 0.51), (0.04, 0.51)],
    [(0.54, 0.09), (0.96, 0.09), (0.96, 0.51), (0.54, 0.51)],
]
TARGET_CORES = 0.01


def emit(**fields: Any) -> None:
    """One JSON result line."""
    print(json.dumps({"bench": "recording", **fields}), flush=True)


def drop(_packet: EncodedPacket, _wall: float) -> None:
    """A sink that keeps the encoder running and does nothing."""


def recording_cpu(recorders: list[CameraRecorder], indexer: SegmentIndexer | None) -> float:
    """CPU seconds of the recorder threads and the indexer thread."""
    return sum(r.stats.cpu_s for r in recorders) + (indexer.stats.cpu_s if indexer else 0.0)


async def phase(
    pool: BroadcastPool, workers: list[IngestWorker], seconds: float, index: SegmentIndex | None
) -> tuple[float, list[CameraRecorder]]:
    """Process cores over `seconds` after a warm-up, with or without recorders."""
    recorders: list[CameraRecorder] = []
    indexer = SegmentIndexer(index) if index is not None else None
    if indexer is not None:
        indexer.start()
    for worker in workers:
        feed = worker.feed(Rendition.ZONES)
        if indexer is None:
            pool.subscribe(worker.camera_id, Rendition.ZONES, feed, drop)
            continue
        recorder = CameraRecorder(
            worker.camera_id, RecordingConfig(), indexer.index.root, indexer.submit
        )
        recorder.start()
        recorders.append(recorder)
        pool.subscribe(worker.camera_id, Rendition.ZONES, feed, recorder.offer)
    await asyncio.sleep(3.0)  # warm-up: encoders opened, first segments begun
    cpu0, wall0 = time.process_time(), time.monotonic()
    recorded0 = recording_cpu(recorders, indexer)
    await asyncio.sleep(seconds)
    wall = time.monotonic() - wall0
    cores = (time.process_time() - cpu0) / wall
    for recorder, worker in zip(recorders, workers, strict=False):
        pool.unsubscribe(worker.camera_id, Rendition.ZONES, recorder.offer)
    for worker in workers if index is None else []:
        pool.unsubscribe(worker.camera_id, Rendition.ZONES, drop)
    await asyncio.gather(*(asyncio.to_thread(r.stop) for r in recorders))
    if indexer is not None:
        await asyncio.to_thread(indexer.stop)
        recorder_cores = (recording_cpu(recorders, indexer) - recorded0) / wall
        emit(
            figure="recorder_thread_cores_per_camera",
            value=round(recorder_cores / len(recorders), 5),
            target=TARGET_CORES,
            indexer_cores=round(indexer.stats.cpu_s / wall, 5),
            segments=sum(r.stats.segments for r in recorders),
            dropped_packets=sum(r.stats.dropped for r in recorders),
        )
    return cores, recorders


async def run(cameras: int, seconds: float) -> None:
    """Both phases, one after the other, on the same running cameras."""
    workers = [
        IngestWorker(f"bench-{i}", "demo://street", FPS, ZoneMasker(ZONES)) for i in range(cameras)
    ]
    for worker in workers:
        worker.start()
    with tempfile.TemporaryDirectory(prefix="csu-bench-rec-") as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        upgrade(db.engine)
        index = SegmentIndex(db, Path(folder) / "recordings")
        pool = BroadcastPool(EncoderSettings(fps=FPS), grace_s=60)
        try:
            base, _ = await phase(pool, workers, seconds, None)
            with_recording, _ = await phase(pool, workers, seconds, index)
            size = sum(p.stat().st_size for p in index.root.rglob("*.ts"))
        finally:
            await pool.stop()
            for worker in workers:
                await asyncio.to_thread(worker.stop)
            db.dispose()
    emit(figure="process_cores_per_camera_ingest_encode", value=round(base / cameras, 4))
    emit(
        figure="process_cores_per_camera_with_recording",
        value=round(with_recording / cameras, 4),
        difference=round((with_recording - base) / cameras, 4),
    )
    emit(
        figure="recorded_mbit_per_s_per_camera", value=round(size * 8 / seconds / cameras / 1e6, 2)
    )


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    asyncio.run(run(args.cameras, args.seconds))


if __name__ == "__main__":
    main()
