"""Export jobs: what was asked, where it stands, kept beside the export folder as JSON."""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from itertools import groupby
from pathlib import Path
from typing import Any

ID_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")


class Purpose(StrEnum):
    """Why footage leaves the system; a public access request gets faces hidden."""

    JUDICIAL = "judicial"
    PUBLIC_REQUEST = "public_request"


class ExportState(StrEnum):
    """Where a job stands."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Span:
    """One camera's footage over [start, end)."""

    camera_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ExportRequest:
    """One camera's footage over [start, end), asked for by a user, with the law's reasons.

    A case is the same request with further spans (`more`, other cameras or other times) and
    the documents it is built with (`video.evidence.case.CaseDocuments`, given beside it):
    one job, one folder, one signed manifest over every file.
    """

    camera_id: str
    start: datetime
    end: datetime
    user: str
    reason: str
    requisition: str | None = None
    recipient: str | None = None
    purpose: Purpose = Purpose.JUDICIAL
    more: tuple[Span, ...] = ()
    case: bool = False
    incident_id: int | None = None

    @property
    def spans(self) -> tuple[Span, ...]:
        """Every span asked for, the first one first."""
        return (Span(self.camera_id, self.start, self.end), *self.more)

    @property
    def cameras(self) -> tuple[str, ...]:
        """The cameras of its spans, each once, in order."""
        return tuple(dict.fromkeys(span.camera_id for span in self.spans))


def case_request(spans: list[Span], **fields: Any) -> ExportRequest:
    """A case's request: its first span leads, the others follow in `more`."""
    first, *rest = spans
    return ExportRequest(
        first.camera_id, first.start, first.end, case=True, more=tuple(rest), **fields
    )


@dataclass(frozen=True)
class ExportJob:
    """An export and its state; `files` and the footage span are set once done."""

    id: str
    request: ExportRequest
    rendition: str
    created_at: datetime
    state: ExportState = ExportState.PENDING
    folder: Path | None = None
    files: tuple[str, ...] = field(default=())
    footage_start: datetime | None = None
    footage_end: datetime | None = None
    error: str | None = None

    def moved(self, state: ExportState, **changes: Any) -> ExportJob:
        """The job in a new state."""
        return replace(self, state=state, **changes)


def new_id(now: datetime) -> str:
    """A sortable, unguessable id, safe as a folder name."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def state_path(root: Path, job_id: str) -> Path:
    """Where a job's state is kept: beside its folder, so the folder holds only evidence."""
    return root / f"{job_id}.json"


def save(root: Path, job: ExportJob) -> None:
    """Write the job's state atomically."""
    root.mkdir(parents=True, exist_ok=True)
    path = state_path(root, job.id)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(_plain(job), indent=2, sort_keys=True))
    os.replace(tmp, path)


def load(root: Path, job_id: str) -> ExportJob | None:
    """A job from its state file, or None."""
    path = state_path(root, job_id)
    if not ID_PATTERN.match(job_id) or not path.is_file():
        return None
    return _job(json.loads(path.read_text()))


def newest(root: Path) -> Iterator[ExportJob]:
    """Every job, newest first: by id (its UTC second comes first), then by creation time among
    those of the same second; only the files of the second being read are loaded at a time."""
    if not root.is_dir():
        return
    ids = sorted((p.stem for p in root.glob("*.json") if ID_PATTERN.match(p.stem)), reverse=True)
    for _second, same in groupby(ids, key=lambda job_id: job_id[:16]):
        loaded = [job for job in (load(root, job_id) for job_id in same) if job is not None]
        yield from sorted(loaded, key=lambda job: job.created_at, reverse=True)


def unfinished(root: Path) -> list[ExportJob]:
    """Jobs a previous run left pending or running."""
    if not root.is_dir():
        return []
    jobs = (load(root, p.stem) for p in sorted(root.glob("*.json")))
    return [j for j in jobs if j and j.state in (ExportState.PENDING, ExportState.RUNNING)]


def _plain(job: ExportJob) -> dict[str, Any]:
    data = asdict(job)
    return json.loads(json.dumps(data, default=str))  # type: ignore[no-any-return]


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _job(data: dict[str, Any]) -> ExportJob:
    req = data["request"]
    more = tuple(
        Span(span["camera_id"], _when(span["start"]), _when(span["end"]))
        for span in req.get("more", ())
    )
    request = ExportRequest(
        **{**req, "start": _when(req["start"]), "end": _when(req["end"]), "more": more},
    )
    request = replace(request, purpose=Purpose(req["purpose"]))
    return ExportJob(
        id=data["id"],
        request=request,
        rendition=data["rendition"],
        created_at=datetime.fromisoformat(data["created_at"]),
        state=ExportState(data["state"]),
        folder=Path(data["folder"]) if data["folder"] else None,
        files=tuple(data["files"]),
        footage_start=_moment(data["footage_start"]),
        footage_end=_moment(data["footage_end"]),
        error=data["error"],
    )
