"""Evidence export speed: seconds of 720p25 video exported per second, judicial and public.

Run: `python -m bench.export [--seconds 30]`; prints one JSON line per export kind.

The demo `faces` scene (a slow pan over a photo with faces) is encoded once by the live encoder
(H264Stream, as the recorder receives its packets) into 10 s MPEG-TS segments. Then the
judicial export remuxes them to MP4 without re-encoding, and the public-request export decodes,
finds faces on every frame with CenterFace (csu's default settings), pixelates them and
re-encodes. Wall time and the process's CPU time (every thread) are measured around each export:
`video_s_per_s` is the speed on this machine, `video_s_per_cpu_s` the speed per core.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from csu.config.cameras import AnonymiserConfig
from video.encoding import VIDEO_TIME_BASE, EncoderSettings, H264Stream
from video.evidence.anonymised import anonymised_mp4
from video.evidence.remux import Footage, remux
from video.scenes import make_scene
from video.service import face_anonymiser

WIDTH, HEIGHT, FPS = 1280, 720, 25
SEGMENT_S = 10
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BenchSegment:
    """A recorded segment as the recordings index describes it."""

    camera_id: str
    rendition: str
    path: Path
    start: datetime
    end: datetime
    size_bytes: int


def emit(**fields: Any) -> None:
    """One JSON result line."""
    print(json.dumps({"bench": "export", **fields}), flush=True)


def record(folder: Path, seconds: int) -> list[BenchSegment]:
    """The faces scene through the live encoder, muxed into 10 s TS segments."""
    scene = make_scene("faces", WIDTH, HEIGHT)
    encoder = H264Stream(EncoderSettings(fps=FPS))
    segments = []
    for first in range(0, seconds * FPS, SEGMENT_S * FPS):
        path = folder / f"seg-{first:06d}.ts"
        count = min(SEGMENT_S * FPS, seconds * FPS - first)
        with av.open(str(path), "w", format="mpegts") as container:
            stream = container.add_stream("h264", rate=Fraction(FPS))
            stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
            stream.time_base = VIDEO_TIME_BASE
            for i in range(first, first + count):
                pts = round(i / FPS / VIDEO_TIME_BASE)
                for packet in encoder.encode(scene.render(i / FPS), pts, keyframe=i == first):
                    packet.stream = stream
                    container.mux(packet)
        start = T0 + timedelta(seconds=first / FPS)
        end = start + timedelta(seconds=count / FPS)
        segments.append(BenchSegment("bench", "zones", path, start, end, path.stat().st_size))
    return segments


def measure(kind: str, export: Callable[[], Footage], output: Path) -> None:
    """Run one export and print its speed."""
    wall, cpu = time.perf_counter(), time.process_time()
    footage = export()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    video_s = (footage.end - footage.start).total_seconds()
    emit(
        kind=kind,
        video_s=round(video_s, 2),
        frames=footage.frames,
        wall_s=round(wall, 3),
        cpu_s=round(cpu, 3),
        video_s_per_s=round(video_s / wall, 1),
        video_s_per_cpu_s=round(video_s / cpu, 1),
        mp4_bytes=output.stat().st_size,
    )


def main() -> None:
    """Record, then time a judicial and a public-request export of the whole recording."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30, help="seconds of video recorded")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csu-bench-export-") as tmp:
        folder = Path(tmp)
        segments = record(folder, args.seconds)
        end = T0 + timedelta(seconds=args.seconds)
        judicial, public = folder / "judicial.mp4", folder / "public.mp4"
        measure("judicial", lambda: remux(segments, T0, end, judicial), judicial)
        settings = AnonymiserConfig()
        measure(
            "public_request",
            lambda: anonymised_mp4(segments, T0, end, public, lambda: face_anonymiser(settings)),
            public,
        )


if __name__ == "__main__":
    main()
