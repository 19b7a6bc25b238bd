"""Writing an export's folder on the export pool's thread: one camera span's clip, or a case's
clips and documents, then the verification kit, then the manifest over every file, signed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import csu
from csu.config import CameraConfig
from privacy.access_log.signing import CheckpointSigner
from privacy.anonymise import Anonymiser
from privacy.renditions import Rendition
from video.evidence.anonymised import anonymised_mp4
from video.evidence.case import CaseDocuments, Clip, case_facts, clip_name, write_documents
from video.evidence.case_page import write_page
from video.evidence.jobs import ExportJob, ExportRequest, ExportState, Span
from video.evidence.kit import write_kit
from video.evidence.manifest import FORMAT, FileEntry, file_entry, iso, write_signed
from video.evidence.progress import ProgressBoard
from video.evidence.remux import Footage, remux
from video.evidence.segments import NoFootage, SegmentSource, describe_range

AnonymiserFactory = Callable[[CameraConfig], Anonymiser]


@dataclass(frozen=True)
class Workshop:
    """What writing an export needs: cameras, recordings, anonymisers, progress, the signer."""

    cameras: Mapping[str, CameraConfig]
    segments: SegmentSource
    make_anonymiser: AnonymiserFactory
    progress: ProgressBoard
    signer: Callable[[], CheckpointSigner]


def write_export(
    shop: Workshop, job: ExportJob, folder: Path, documents: CaseDocuments | None
) -> ExportJob:
    """Write and sign the job's folder; the job done. NoFootage when nothing is recorded."""
    if job.request.case:
        return _write_case(shop, job, folder, documents)
    request = job.request
    camera = _camera(shop, request.camera_id)
    video = folder / _file_name(request)
    footage = _footage(shop, job, 0, video)
    # The kit is listed and signed like the footage: a changed checker shows.
    entries = [file_entry(video), *write_kit(folder)]
    manifest = _manifest(job, camera, footage, [asdict(e) for e in entries])
    write_signed(folder, manifest, shop.signer())
    return job.moved(
        ExportState.DONE,
        files=(video.name,),
        footage_start=footage.start,
        footage_end=footage.end,
    )


def _write_case(
    shop: Workshop, job: ExportJob, folder: Path, documents: CaseDocuments | None
) -> ExportJob:
    assert documents is not None, "a case is written with its documents"
    request = job.request
    clips: list[Clip] = []
    entries: list[FileEntry] = []
    missing: list[Span] = []
    for index, span in enumerate(request.spans):
        camera = _camera(shop, span.camera_id)
        path = folder / clip_name(span.camera_id, span.start, span.end)
        try:
            footage = _footage(shop, job, index, path)
        except NoFootage:
            missing.append(span)  # a covering camera that recorded nothing: said, not fatal
            continue
        name = path.relative_to(folder).as_posix()
        clips.append(Clip(name, camera.id, camera.name, footage.start, footage.end, footage.frames))
        entries.append(file_entry(path, root=folder))
    if not clips:
        raise NoFootage("nothing recorded for any span of the case")
    entries += write_documents(folder, documents)
    entries.append(
        write_page(
            folder,
            documents,
            clips,
            made_by=request.user,
            made_at=job.created_at,
            reason=request.reason,
            requisition=request.requisition,
        )
    )
    entries += write_kit(folder)
    manifest = {
        **_common(job, [asdict(e) for e in entries]),
        **case_facts(documents, clips),
        "start": iso(min(c.start for c in clips)),
        "end": iso(max(c.end for c in clips)),
        "missing": [_span(s) for s in missing],
    }
    write_signed(folder, manifest, shop.signer())
    return job.moved(
        ExportState.DONE,
        files=tuple(e.name for e in entries),
        footage_start=min(c.start for c in clips),
        footage_end=max(c.end for c in clips),
    )


def _camera(shop: Workshop, camera_id: str) -> CameraConfig:
    camera = shop.cameras.get(camera_id)
    if camera is None:
        raise NoFootage(f"unknown camera '{camera_id}'")
    return camera


def _footage(shop: Workshop, job: ExportJob, index: int, video: Path) -> Footage:
    """Span `index` of the job written to `video` (its folder made as needed)."""
    span = job.request.spans[index]
    camera = _camera(shop, span.camera_id)
    segments = shop.segments.between(span.camera_id, span.start, span.end)
    if not segments:
        raise NoFootage(
            "nothing recorded for " + describe_range(span.camera_id, span.start, span.end)
        )
    video.parent.mkdir(parents=True, exist_ok=True)
    watch = shop.progress.watch(job, index)
    if job.rendition == Rendition.ANONYMISED:
        return anonymised_mp4(
            segments, span.start, span.end, video, lambda: shop.make_anonymiser(camera), watch
        )
    return remux(segments, span.start, span.end, video, watch=watch)


def _file_name(request: ExportRequest) -> str:
    start, end = (f"{t.astimezone(UTC):%Y%m%dT%H%M%SZ}" for t in (request.start, request.end))
    return f"{request.camera_id}_{start}_{end}.mp4"


def _span(span: Span) -> dict[str, str]:
    return {"camera_id": span.camera_id, "start": iso(span.start), "end": iso(span.end)}


def _common(job: ExportJob, files: list[dict[str, Any]]) -> dict[str, Any]:
    """What every manifest says: which export, who made it, why and for whom, its files."""
    request = job.request
    return {
        "format": FORMAT,
        "export_id": job.id,
        "rendition": job.rendition,
        "files": files,
        "exported_by": request.user,
        "reason": request.reason,
        "requisition": request.requisition,
        "recipient": request.recipient,
        "purpose": request.purpose.value,
        "csu_version": csu.__version__,
        "created_at": iso(job.created_at),
    }


def _manifest(
    job: ExportJob, camera: CameraConfig, footage: Footage, files: list[dict[str, Any]]
) -> dict[str, Any]:
    request = job.request
    location = camera.location
    return {
        **_common(job, files),
        "camera_id": camera.id,
        "camera_name": camera.name,
        "camera_location": {"lat": location.lat, "lon": location.lon} if location else None,
        "start": iso(footage.start),
        "end": iso(footage.end),
        "requested_start": iso(request.start),
        "requested_end": iso(request.end),
        "frames": footage.frames,
        "gaps": [[iso(a), iso(b)] for a, b in footage.gaps],
    }
