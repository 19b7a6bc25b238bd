"""Evidence's face: exports written to a signed folder on a worker thread, and playback.

An export asked for (`ExportService.ask`) is checked and logged before any work; the work is a
remux (judicial: the zones rendition as recorded) or an anonymised re-encode (public access
requests), then every file hashed and the manifest signed. Playback streams a recorded range as
one fragmented MP4, logged with its reason first.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from csu.config import CameraConfig, SiteConfig
from csu.errors import Invalid, NotFound
from privacy.access_log import AccessLog, AccessRecord
from privacy.anonymise import Anonymiser
from privacy.guard import (
    authorise_camera_action,
    refuse_unless_allowed,
)
from privacy.policy import Action
from privacy.renditions import Rendition
from privacy.rights import Viewer
from video.evidence import jobs
from video.evidence.case import CaseCrisis, CaseDocuments, CaseIncident, CaseLine
from video.evidence.delivery import Delivery, check_handover, deliver
from video.evidence.jobs import ExportJob, ExportRequest, ExportState, Purpose, Span, case_request
from video.evidence.manifest import MANIFEST, evidence_signer, sha256_of
from video.evidence.playback import (
    check_playback,
    first_frame_at,
    playback,
    refuse_anonymised_playback,
)
from video.evidence.progress import ProgressBoard, Publish
from video.evidence.segments import (
    MAX_EXPORT,
    NoFootage,
    RecordedSegment,
    SegmentSource,
    check_footage_request,
)
from video.evidence.writing import AnonymiserFactory, Workshop, write_export
from video.service import UnknownCamera, face_anonymiser

# The package's face: the export service and playback, and what callers use with them.
__all__ = [
    "CaseCrisis",
    "CaseDocuments",
    "CaseIncident",
    "CaseLine",
    "Delivery",
    "ExportJob",
    "ExportRequest",
    "ExportService",
    "Purpose",
    "RecordedSegment",
    "Span",
    "case_request",
    "check_playback",
    "first_frame_at",
    "playback",
    "refuse_anonymised_playback",
]

log = logging.getLogger(__name__)

# Logged once the folder is signed, beside the video.export entry logged before the work.
EXPORT_DONE = "video.export.done"


class UnknownExport(NotFound):
    """No export with that id."""


def site_anonymiser(camera: CameraConfig) -> Anonymiser:
    """The camera's own face anonymiser, as its live anonymised rendition uses."""
    return face_anonymiser(camera.anonymiser)


def rendition_for(purpose: Purpose, *, anonymised_user: bool) -> Rendition:
    """Public requests, and users who only ever see anonymised video, get faces hidden."""
    if purpose is Purpose.PUBLIC_REQUEST or anonymised_user:
        return Rendition.ANONYMISED
    return Rendition.ZONES


class ExportService:
    """Runs exports one at a time (a re-encode uses every core it is given) and tracks them."""

    def __init__(
        self,
        segments: SegmentSource,
        site: SiteConfig,
        data_dir: Path,
        *,
        make_anonymiser: AnonymiserFactory = site_anonymiser,
        access_log: AccessLog | None = None,
        workers: int = 1,
        publish: Publish | None = None,
        access_request: Callable[[str], bool] = lambda _reference: False,
    ) -> None:
        self.root = data_dir.resolve() / "exports"  # the folder handed over is a full path
        self._segments = segments
        # Every camera exported from, on its latest settings; a retired one stays (its
        # footage is kept to retention and may be exported until then).
        self._cameras = {camera.id: camera for camera in site.cameras}
        self._data_dir = data_dir
        self._make_anonymiser = make_anonymiser
        self._access_log = access_log
        # Whether a reference is a right-of-access request's (the register's): its footage
        # leaves with everyone but the requester anonymised, whatever the page asked for.
        self._access_request = access_request
        self._progress = ProgressBoard(publish)  # ExportProgress events, from the pool's thread
        self._jobs: dict[str, ExportJob] = {}
        self._done: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="export")
        for job in jobs.unfinished(self.root):
            jobs.save(self.root, job.moved(ExportState.FAILED, error="interrupted by a restart"))

    async def follow_camera(
        self, camera_id: str, config: CameraConfig | None, *, start: bool
    ) -> None:
        """An administrator's change (video.registry.changes): an added camera may be exported
        from at once, an edited one with its new name, place and anonymiser; a retired one
        keeps its last settings (`start` is for what runs a camera: an export runs on demand)."""
        if config is not None:
            # A new dict, not an update: an export job reads it on the pool's thread.
            self._cameras = {**self._cameras, camera_id: config}

    def ask(
        self,
        request: ExportRequest,
        *,
        viewer: Viewer,
        client: str | None,
        documents: CaseDocuments | None = None,
    ) -> ExportJob:
        """Check the request (each span's range, the reason, the cameras), log it (each span
        with its reason: the access log has it before any work), then queue it; AccessDenied
        (logged, and nothing granted logged) without the export right on one of its cameras.
        A case comes with its documents."""
        for span in request.spans:
            check_footage_request(
                span.start, span.end, request.reason, limit=MAX_EXPORT, doing="export"
            )
            if span.camera_id not in self._cameras:
                raise UnknownCamera(
                    f"unknown camera '{span.camera_id}'",
                    key="errors.unknown_camera",
                    camera=span.camera_id,
                )
        self._check_purpose(request)
        assert self._access_log is not None, "an export asked for is logged"
        details: dict[str, object] = {
            "purpose": request.purpose.value,
            "recipient": request.recipient,
        }
        if request.case:
            details |= {"case": True, "incident_id": request.incident_id}
            self._refuse_unless_all(request, viewer, client, {**details, "request": "case"})
        for span in request.spans:
            authorise_camera_action(
                self._access_log,
                viewer=viewer,
                action=Action.EXPORT,
                camera_id=span.camera_id,
                client=client,
                reason=request.reason,
                span=(span.start, span.end),
                requisition=request.requisition,
                details=details,
            )
        return self.submit(request, anonymised_user=viewer.anonymised, documents=documents)

    def _check_purpose(self, request: ExportRequest) -> None:
        reference = request.requisition
        if request.purpose is Purpose.PUBLIC_REQUEST or not reference:
            return
        if self._access_request(reference):
            raise Invalid(
                f"requisition '{reference}' is a right-of-access request: its export is "
                "anonymised (purpose public_request)",
                key="errors.export.access_request_public",
                requisition=reference,
            )

    def _refuse_unless_all(
        self, request: ExportRequest, viewer: Viewer, client: str | None, details: dict[str, object]
    ) -> None:
        # Every camera first: a case refused on its third camera leaves no granted entry.
        assert self._access_log is not None, "a refusal is logged"
        for camera_id in request.cameras:
            refuse_unless_allowed(
                self._access_log,
                viewer=viewer,
                action=Action.EXPORT,
                camera_id=camera_id,
                client=client,
                details=details,
            )

    def job_for(self, job_id: str, *, viewer: Viewer, client: str | None) -> ExportJob:
        """An export, for a user with the export right on its camera (a refusal is logged);
        UnknownExport when there is none."""
        return self._job_for(job_id, viewer=viewer, client=client, request="export state")

    def download(
        self,
        job_id: str,
        *,
        requisition: str | None,
        recipient: str | None,
        viewer: Viewer,
        client: str | None,
    ) -> Delivery:
        """A finished export's zip for a user with the export right on its camera, logged with
        the requisition and recipient (both required) before its first byte."""
        job = self._job_for(job_id, viewer=viewer, client=client, request="export download")
        handover = check_handover(requisition, recipient)
        assert self._access_log is not None, "a download is logged"
        return deliver(self._access_log, job, handover, viewer=viewer, client=client)

    def progress(self, job: ExportJob) -> int:
        """How far the export has got, in percent (100: signed, ready to download)."""
        return self._progress.percent(job)

    def _job_for(
        self, job_id: str, *, viewer: Viewer, client: str | None, request: str
    ) -> ExportJob:
        job = self.get(job_id)
        if job is None:
            raise UnknownExport(
                f"unknown export '{job_id}'", key="errors.unknown_export", export=job_id
            )
        self._refuse_unless_all(job.request, viewer, client, {"export": job_id, "request": request})
        return job

    def submit(
        self,
        request: ExportRequest,
        *,
        anonymised_user: bool = False,
        documents: CaseDocuments | None = None,
    ) -> ExportJob:
        """Queue an export (already logged by the caller); returns it pending."""
        now = datetime.now(UTC)
        rendition = rendition_for(request.purpose, anonymised_user=anonymised_user)
        job = ExportJob(jobs.new_id(now), request, rendition.value, now)
        self._store(job)
        self._done[job.id] = threading.Event()
        self._progress.tell(job)
        self._pool.submit(self._run, job, documents)
        return job

    def recent(self, *, viewer: Viewer, limit: int) -> list[ExportJob]:
        """The newest exports of the cameras this user may export (none without the right);
        a list of states, no footage: not logged, as reading one export's state is not."""
        scope = viewer.scope(Action.EXPORT)
        found: list[ExportJob] = []
        for job in jobs.newest(self.root):
            if all(scope.allows(camera) for camera in job.request.cameras):
                found.append(job)
                if len(found) == limit:
                    break
        return found

    def get(self, job_id: str) -> ExportJob | None:
        """The job by id, from memory or, after a restart, from its state file."""
        with self._lock:
            job = self._jobs.get(job_id)
        return job or jobs.load(self.root, job_id)

    def wait(self, job_id: str, timeout: float) -> ExportJob | None:
        """Block until the job has finished (or the timeout passed); for tests and tools."""
        event = self._done.get(job_id)
        if event is not None:
            event.wait(timeout)
        return self.get(job_id)

    def close(self) -> None:
        """Stop taking work; a running export finishes, queued ones are dropped as failed."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            waiting = [j for j in self._jobs.values() if j.state is ExportState.PENDING]
        for job in waiting:
            failed = job.moved(ExportState.FAILED, error="the server stopped first")
            self._store(failed)
            self._progress.tell(failed)
            self._done[job.id].set()

    def _store(self, job: ExportJob) -> None:
        with self._lock:
            self._jobs[job.id] = job
        jobs.save(self.root, job)

    def _run(self, job: ExportJob, documents: CaseDocuments | None) -> None:
        folder = self.root / job.id
        job = job.moved(ExportState.RUNNING, folder=folder)
        self._store(job)
        self._progress.tell(job, 0)
        try:
            done = write_export(self._workshop(), job, folder, documents)
            self._log_done(done, folder)
        except Exception as exc:  # the job records why; nothing half-written stays behind
            if not isinstance(exc, NoFootage):
                log.exception("export %s failed", job.id)
            shutil.rmtree(folder, ignore_errors=True)
            failed = job.moved(ExportState.FAILED, folder=None, error=str(exc))
            self._store(failed)
            self._progress.tell(failed)
        else:
            self._store(done)
            self._progress.tell(done)
            log.info("export %s done: %s", job.id, folder)
        finally:
            self._done[job.id].set()

    def _log_done(self, job: ExportJob, folder: Path) -> None:
        # The manifest's hash in the hash-chained log ties the delivered evidence to the log:
        # a folder re-signed later (with a stolen key) no longer matches. No entry, no export.
        if self._access_log is None:
            return
        request = job.request
        self._access_log.append(
            AccessRecord(
                action=EXPORT_DONE,
                user=request.user,
                camera_id=request.camera_id,
                span_start=job.footage_start,
                span_end=job.footage_end,
                reason=request.reason,
                requisition=request.requisition,
                details={
                    "export_id": job.id,
                    "manifest_sha256": sha256_of(folder / MANIFEST),
                    "files": list(job.files),
                    "rendition": job.rendition,
                    "purpose": request.purpose.value,
                    "recipient": request.recipient,
                }
                | (_case_details(request) if request.case else {}),
            )
        )

    def _workshop(self) -> Workshop:
        return Workshop(
            self._cameras,
            self._segments,
            self._make_anonymiser,
            self._progress,
            lambda: evidence_signer(self._data_dir),
        )


def _case_details(request: ExportRequest) -> dict[str, object]:
    spans = [[s.camera_id, s.start.isoformat(), s.end.isoformat()] for s in request.spans]
    return {"case": True, "incident_id": request.incident_id, "spans": spans}
