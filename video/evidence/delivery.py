"""Handing a finished export over: one zip of its signed folder, streamed a block at a time.

The download is logged (requisition, recipient, the manifest's hash) before the first byte, as
an export is before its work; the zip is written by the standard library to a sink that holds
only the block being sent, so memory does not grow with the export. Video is already compressed:
entries are stored, not deflated, and the zip is as fast as reading the files.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from csu.errors import Conflict, Term, term
from privacy.access_log import AccessLog
from privacy.guard import authorise_camera_action
from privacy.policy import Action
from privacy.rights import Viewer
from video.evidence.jobs import ExportJob, ExportState
from video.evidence.manifest import MANIFEST, sha256_of
from video.evidence.segments import FootageRequestInvalid

# The access-log entry of a download (the export right's own entry is the request for the work).
DOWNLOAD = "video.export.download"
BLOCK = 1 << 20  # read and sent a MiB at a time


class ExportNotReady(Conflict):
    """The export is still being made, or failed: there is nothing to hand over."""


@dataclass(frozen=True)
class Handover:
    """To whom the evidence goes and under which requisition; the law wants both named."""

    requisition: str
    recipient: str


@dataclass(frozen=True)
class Delivery:
    """A zip ready to stream: its file name and its bytes, block by block."""

    filename: str
    size_hint: int  # the files' bytes (the zip adds its headers)
    blocks: Iterator[bytes]


def check_handover(requisition: str | None, recipient: str | None) -> Handover:
    """The hand-over's requisition and recipient; FootageRequestInvalid naming each missing."""
    requisition, recipient = (requisition or "").strip(), (recipient or "").strip()
    found: list[tuple[str, Term]] = []
    if not requisition:
        found.append(
            (
                "requisition: a requisition reference is required to download an export",
                term("errors.export.requisition_required"),
            )
        )
    if not recipient:
        found.append(
            (
                "recipient: the recipient is required to download an export",
                term("errors.export.recipient_required"),
            )
        )
    if found:
        raise FootageRequestInvalid(
            "; ".join(english for english, _ in found),
            key="errors.problems",
            problems=[words for _, words in found],
        )
    return Handover(requisition, recipient)


def ready_folder(job: ExportJob) -> Path:
    """The signed folder of a finished export; ExportNotReady otherwise."""
    folder = job.folder
    if job.state is not ExportState.DONE or folder is None or not folder.is_dir():
        raise ExportNotReady(
            f"export '{job.id}' is {job.state.value}: nothing to download",
            key="errors.export.not_ready",
            export=job.id,
            state=job.state.value,
        )
    return folder


def deliver(
    access_log: AccessLog,
    job: ExportJob,
    handover: Handover,
    *,
    viewer: Viewer,
    client: str | None,
) -> Delivery:
    """Log the download (AccessDenied, logged, without the export right on the camera), then
    the zip of the folder: no byte leaves before the entry is written."""
    folder = ready_folder(job)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    span = _span(job)
    authorise_camera_action(
        access_log,
        viewer=viewer,
        action=Action.EXPORT,
        camera_id=job.request.camera_id,
        client=client,
        reason=job.request.reason,
        span=span,
        requisition=handover.requisition,
        logged_as=DOWNLOAD,
        details={
            "export_id": job.id,
            "recipient": handover.recipient,
            "manifest_sha256": sha256_of(folder / MANIFEST),
            "files": [p.name for p in files],
            "export_requisition": job.request.requisition,
        },
    )
    size = sum(p.stat().st_size for p in files)
    return Delivery(f"{job.id}.zip", size, zip_blocks(job.id, files))


def zip_blocks(top: str, files: list[Path]) -> Iterator[bytes]:
    """The files as one zip under the folder `top`, a block at a time (a generator: the work
    runs on whichever thread asks for the next block, never all at once)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive:
        for path in files:
            info = zipfile.ZipInfo.from_file(path, f"{top}/{path.name}")
            info.compress_type = zipfile.ZIP_STORED
            with path.open("rb") as source, archive.open(info, "w", force_zip64=True) as entry:
                while block := source.read(BLOCK):
                    entry.write(block)
                    yield sink.take()
    yield sink.take()  # the central directory


class _Sink(io.RawIOBase):
    """Where the zip is written: what it holds is taken (and sent) after each block. It cannot
    seek, so zipfile writes each entry's sizes after its data, as a stream needs."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        """What was written since the last take."""
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _span(job: ExportJob) -> tuple[datetime, datetime]:
    request = job.request
    return (job.footage_start or request.start, job.footage_end or request.end)
