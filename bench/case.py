"""A three-camera case: time to write and sign it, and memory while it is written and zipped.

Run: `python -m bench.case [--seconds 60]`; prints one JSON line for the case's export and one
for its zip as the download streams it.

The demo `faces` scene is recorded once at 720p25 in 10 s MPEG-TS segments (bench.export's
recorder) and given as the footage of three cameras; ExportService writes the case (three
remuxed clips, the documents, index.html, the kit, the signed manifest) on its pool as
`POST /api/cases` does, then the folder is zipped block by block as the download sends it.
Memory is the process's resident set sampled every 20 ms (peak above the level before), so the
zip's line shows whether memory grows with the size of the case.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import textwrap
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.export import T0, BenchSegment, record
from csu.config import parse_site
from csu.i18n import SiteClock
from video.evidence.case import CaseDocuments, CaseLine
from video.evidence.delivery import folder_files, zip_blocks
from video.evidence.jobs import Span, case_request
from video.evidence.service import ExportService

CAMERAS = ("cam-a", "cam-b", "cam-c")
SITE = "site: {name: Bench, timezone: Europe/Paris}\ncameras:\n" + "".join(
    textwrap.dedent(
        f"""\
          - id: {camera}
            name: {camera}
            source: demo://faces
            recording: {{mode: "off"}}
        """
    )
    for camera in CAMERAS
)


class SameFootage:
    """Every camera's recordings are the one recorded scene."""

    def __init__(self, segments: list[BenchSegment]) -> None:
        self._segments = segments

    def between(self, camera_id: str, start: datetime, end: datetime) -> Sequence[BenchSegment]:
        return [s for s in self._segments if s.end > start and s.start < end]


class ResidentPeak:
    """The resident set's peak above its level at start, sampled on a thread."""

    def __init__(self) -> None:
        self.base = _resident()
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ResidentPeak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _resident())

    @property
    def grown_mib(self) -> float:
        return round((self.peak - self.base) / (1 << 20), 1)


def _resident() -> int:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096


def emit(**fields: Any) -> None:
    """One JSON result line."""
    print(json.dumps({"bench": "case", **fields}), flush=True)


def main() -> None:
    """Record, make the three-camera case, zip it."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="seconds recorded per camera")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csu-bench-case-") as tmp:
        folder = Path(tmp)
        (folder / "rec").mkdir()
        segments = record(folder / "rec", args.seconds)
        end = T0 + timedelta(seconds=args.seconds)
        service = ExportService(SameFootage(segments), parse_site(SITE), folder / "var")
        clock = SiteClock("fr", "Europe/Paris")
        notes = tuple(
            CaseLine(T0 + timedelta(seconds=i), "note", "bench", f"note {i}") for i in range(50)
        )
        documents = CaseDocuments("bench", clock, timeline=notes, notes=notes)
        request = case_request(
            [Span(camera, T0, end) for camera in CAMERAS], user="bench", reason="bench"
        )
        with ResidentPeak() as memory:
            wall = time.perf_counter()
            job = service.wait(service.submit(request, documents=documents).id, 3600)
            wall = time.perf_counter() - wall
        assert job is not None and job.folder is not None, job
        size = sum(p.stat().st_size for _, p in folder_files(job.folder))
        emit(
            kind="case_export",
            cameras=len(CAMERAS),
            video_s_per_camera=args.seconds,
            state=job.state.value,
            wall_s=round(wall, 2),
            video_s_per_s=round(len(CAMERAS) * args.seconds / wall, 1),
            folder_bytes=size,
            rss_growth_mib=memory.grown_mib,
        )
        with ResidentPeak() as memory:
            wall = time.perf_counter()
            sent = sum(len(block) for block in zip_blocks(job.id, folder_files(job.folder)))
            wall = time.perf_counter() - wall
        emit(
            kind="case_zip",
            zip_bytes=sent,
            wall_s=round(wall, 3),
            mib_per_s=round(sent / (1 << 20) / wall, 1),
            rss_growth_mib=memory.grown_mib,
        )
        service.close()


if __name__ == "__main__":
    main()
