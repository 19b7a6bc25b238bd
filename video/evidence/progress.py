"""How far each export has got, told as ExportProgress events as the frames are written."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from csu.events import Event
from video.evidence.events import ExportProgress
from video.evidence.jobs import ExportJob, ExportState
from video.evidence.remux import FrameWatch

Publish = Callable[[Event], None]
# A bar moves smoothly at a few steps a second; more would only load the consoles' sockets.
MIN_STEP_S = 0.2
# The last percent before signing: 100 means the folder is signed and may be downloaded.
WRITTEN = 99


class ProgressBoard:
    """Each export's percent (kept in memory: a restart fails unfinished exports anyway) and
    its events, published from the export's thread (`publish` must be thread-safe)."""

    def __init__(self, publish: Publish | None) -> None:
        self._publish = publish
        self._percent: dict[str, int] = {}
        self._lock = threading.Lock()

    def percent(self, job: ExportJob) -> int:
        """How far the job has got: 100 once done, what was last told while it runs."""
        if job.state is ExportState.DONE:
            return 100
        with self._lock:
            return self._percent.get(job.id, 0)

    def tell(self, job: ExportJob, percent: int | None = None) -> None:
        """Publish the job's state (a new one, or the same one further on)."""
        if percent is None:
            percent = 100 if job.state is ExportState.DONE else self.percent(job)
        with self._lock:
            self._percent[job.id] = percent
        if self._publish is None:
            return
        request = job.request
        self._publish(
            ExportProgress(
                export_id=job.id,
                camera_id=request.camera_id,
                cameras=list(request.cameras) if request.case else [],
                user=request.user,
                state=job.state.value,
                percent=percent,
            )
        )

    def watch(self, job: ExportJob, index: int = 0) -> FrameWatch:
        """A frame watch for the running job's span `index`: the wall time written across all
        its spans (a case's clips one after the other), in whole percents, told when it moved
        and at most every MIN_STEP_S."""
        spans = job.request.spans
        lengths = [max(s.end.timestamp() - s.start.timestamp(), 1e-6) for s in spans]
        before, total = sum(lengths[:index]), sum(lengths)
        start, length = spans[index].start.timestamp(), lengths[index]
        told = {"percent": int(before / total * 100), "at": 0.0}

        def frame(wall: float) -> None:
            done = before + min(max(wall - start, 0.0), length)
            percent = min(WRITTEN, int(done / total * 100))
            now = time.monotonic()
            if percent > told["percent"] and now - told["at"] >= MIN_STEP_S:
                told.update(percent=percent, at=now)
                self.tell(job, percent)

        return frame
