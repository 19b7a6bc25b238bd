"""The recordings index writer: closed segments are indexed on a thread of their own.

A recorder hands each closed segment over and goes on writing: it never waits on the database
(a recorder that waits drops packets), and a segment the index cannot take is never deleted.
A failed write is retried with the ingest workers' backoff while the segment stays on disk;
later segments wait behind it. A periodic pass, the first one at start, also indexes every
finished file the index lacks: what a killed process left, or what a failed write lost track
of. Such a file past its camera's retention is then destroyed, and logged, by the usual purge.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from csu.backoff import Backoff
from video.recording.index import Segment, SegmentIndex
from video.recording.reconcile import FolderScan

log = logging.getLogger(__name__)

# Between passes over the folders when the index is healthy: a pass lists the day folders that
# changed (today's) and reads their index entries, a few milliseconds per camera.
RECONCILE_S = 300.0
_STOP = object()


@dataclass
class IndexerStats:
    """What the indexer did, for metrics, tests and the bench."""

    indexed: int = 0
    failures: int = 0
    passes: int = 0  # completed passes over the folders
    cpu_s: float = 0.0  # thread CPU time spent indexing and reconciling


class SegmentIndexer:
    """Indexes closed segments in order, retrying a busy index, and reconciles disk and index."""

    def __init__(
        self,
        index: SegmentIndex,
        *,
        backoff: Backoff | None = None,
        reconcile_s: float = RECONCILE_S,
        rng: random.Random | None = None,
    ) -> None:
        self.index = index
        self.stats = IndexerStats()
        self._queue: queue.SimpleQueue[Segment | object] = queue.SimpleQueue()
        self._waiting: dict[Path, Segment] = {}  # closed and on disk, not indexed yet
        self._scan = FolderScan(index)
        self._backoff = backoff or Backoff()
        self._reconcile_s = reconcile_s
        self._rng = rng or random.Random()
        self._failures = 0
        self._next_pass = 0.0  # monotonic time of the next pass; the first runs at once
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rec-index", daemon=True)

    @property
    def waiting(self) -> int:
        """Closed segments kept on disk until the index takes them."""
        return len(self._waiting)

    def start(self) -> None:
        """Start the thread; its first pass reconciles the whole recordings folder."""
        self._thread.start()

    def submit(self, segment: Segment) -> None:
        """Hand over a closed segment (any thread; never blocks)."""
        self._queue.put(segment)

    def stop(self, timeout: float = 10.0) -> None:
        """Index what was handed over if the index answers, then stop (blocking).

        What is still unindexed stays on disk for the next start's pass.
        """
        if not self._thread.is_alive():
            return
        self._stopping.set()
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, self._next_pass - time.monotonic()))
            except queue.Empty:
                item = None
            started = time.thread_time()
            if item is _STOP:
                self._finish()
            elif isinstance(item, Segment):
                self._waiting[item.path] = item
                if not self._failures:  # otherwise it waits its turn behind the failed ones
                    self._index_waiting()
            else:
                self._pass()
            self.stats.cpu_s += time.thread_time() - started
            if item is _STOP:
                return

    def _pass(self) -> None:
        if not self._index_waiting():
            return
        try:
            self.stats.indexed += self._scan.run(self._stopping.is_set)
        except Exception as exc:  # the database, or a folder that vanished: try again later
            self._failed(exc)
            return
        self.stats.passes += 1
        self._next_pass = time.monotonic() + self._reconcile_s

    def _index_waiting(self) -> bool:
        """Index the waiting segments in order; False, and a retry scheduled, if the index fails."""
        for path, segment in list(self._waiting.items()):
            try:
                self.index.add(segment)
            except SQLAlchemyError as exc:
                self._failed(exc)
                return False
            except Exception:
                # Not the database: this one stays on disk and is retried with the next pass.
                log.exception("segment %s could not be indexed", path)
                continue
            del self._waiting[path]
            self.stats.indexed += 1
        if self._failures:
            log.warning("recordings index writable again; waiting segments indexed")
            self._failures = 0
        return True

    def _failed(self, exc: Exception) -> None:
        self.stats.failures += 1
        delay = self._backoff.delay(self._failures, self._rng)
        self._failures += 1
        self._next_pass = time.monotonic() + delay
        log.warning(
            "recordings index unavailable (%s): %d segments kept on disk, retrying in %.1f s",
            str(exc).splitlines()[0],
            len(self._waiting),
            delay,
        )

    def _finish(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, Segment):
                self._waiting[item.path] = item
        if self._waiting:
            self._index_waiting()
        if self._waiting:
            log.warning("%d segments left unindexed on disk for the next start", len(self._waiting))
