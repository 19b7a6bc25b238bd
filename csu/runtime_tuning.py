"""Every process-wide performance setting of csu, each with the measurement that keeps it.

A setting without a measurement behind it does not belong here, nor anywhere else: csu runs on
the libraries' defaults otherwise.

- `freeze_startup_heap()`: `gc.freeze()` once a process has started. What start-up built (models,
  routes, modules, the site) lives as long as the process; kept out of the collector's sight, a
  full collection no longer walks it. Measured with the HTTP alarm push at 2,000 alarms/s: the
  p99 fell from 173 to 79 ms (commit 932d634), full collections having stalled requests by tens
  of milliseconds. Called by the API process (`csu.app`); a worker has no such measurement.
- `ONNX_THREADS`: one intra-op and one inter-op thread per onnxruntime session (the face
  detector of the anonymised rendition, the person detector of the analytics), each camera's
  work on its own thread. A second thread made CenterFace only 1.4x faster on one camera, so
  cameras scale better with one thread each; the detector's per-core figures (`bench.analytics`,
  `bench.ingest`) are measured so.

Left at the library's default, by measurement: FFmpeg's decoder threading (PyAV's slice threads).
Frame threading ("AUTO") cost 2-5 % more CPU per frame on the shared test videos (768x432 and
960x540: 1.00-1.05 against 0.96-1.00 ms, 1.61 against 1.59 ms) and holds back every picture of a
live camera by one frame per decoding thread past the first: two frames with the three threads
FFmpeg chose on two cores (it chooses up to sixteen).
"""

from __future__ import annotations

import gc

ONNX_THREADS = 1


def freeze_startup_heap() -> None:
    """Move everything allocated so far out of the garbage collector's generations."""
    gc.freeze()
