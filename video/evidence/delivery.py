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
    """Log the download (AccessDenied, logged, without the export right on one of its
    cameras; a case's download is one entry per span), then the zip of the folder: no byte
    leaves before the entries are written."""
    folder = ready_folder(job)
    files = folder_files(folder)
    details = {
        "export_id": job.id,
        "recipient": handover.recipient,
        "manifest_sha256": sha256_of(folder / MANIFEST),
        "files": [name for name, _ in files],
        "export_requisition": job.request.requisition,
    }
    for camera_id, span in _spans(job):
        authorise_camera_action(
            access_log,
            viewer=viewer,
            action=Action.EXPORT,
            camera_id=camera_id,
            client=client,
            reason=job.request.reason,
            span=span,
            requisition=handover.requisition,
            logged_as=DOWNLOAD,
            details=details,
        )
    size = sum(path.stat().st_size for _, path in files)
    return Delivery(f"{job.id}.zip", size, zip_blocks(job.id, files))


def folder_files(folder: Path) -> list[tuple[str, Path]]:
    """Every file under the folder (a case's clips/ too) by its relative POSIX name, sorted."""
    found = [p for p in folder.rglob("*") if p.is_file()]
    return sorted((p.relative_to(folder).as_posix(), p) for p in found)


def zip_blocks(top: str, files: list[tuple[str, Path]]) -> Iterator[bytes]:
    """The files as one zip under the folder `top`, a block at a time (a generator: the work
    runs on whichever thread asks for the next block, never all at once)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive:
        for name, path in files:
            info = zipfile.ZipInfo.from_file(path, f"{top}/{name}")
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


def _spans(job: ExportJob) -> list[tuple[str, tuple[datetime, datetime]]]:
    """Each span's camera and span: an export's footage as written, a case's spans as asked."""
    request = job.request
    if not request.case:
        return [
            (
                request.camera_id,
                (job.footage_start or request.start, job.footage_end or request.end),
            )
        ]
    return [(span.camera_id, (span.start, span.end)) for span in request.spans]
