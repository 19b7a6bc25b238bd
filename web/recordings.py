"""What is recorded for a camera over a time range: spans and gaps (metadata, no picture)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from csu.bounds import Key
from csu.times import ApiTime
from video.recording.service import recorded
from web.deps import AccessLogDep, CamerasDep, CurrentViewer, RecordingsDep, client_address

router = APIRouter(prefix="/api/cameras", tags=["recordings"])


class SpanOut(BaseModel):
    """A stretch of time, [start, end)."""

    start: datetime
    end: datetime


class RecordingsOut(BaseModel):
    """The recorded spans of one camera within [start, end), and the gaps between them."""

    camera_id: str
    start: datetime
    end: datetime
    spans: list[SpanOut]
    gaps: list[SpanOut]


@router.get("/{camera_id}/recordings", response_model=RecordingsOut)
def recordings(
    camera_id: Key,
    request: Request,
    viewer: CurrentViewer,
    cameras: CamerasDep,
    recordings: RecordingsDep,
    access_log: AccessLogDep,
    start: Annotated[ApiTime, Query(description="Range start, ISO 8601 with a time zone.")],
    end: Annotated[ApiTime, Query(description="Range end, ISO 8601 with a time zone.")],
) -> RecordingsOut:
    """Recorded spans and gaps; needs the playback right on the camera (no picture, no reason)."""
    cameras.known(camera_id)
    found = recorded(
        recordings.index,
        access_log,
        viewer=viewer,
        camera_id=camera_id,
        start=start,
        end=end,
        client=client_address(request),
    )
    return RecordingsOut(
        camera_id=camera_id,
        start=found.start,
        end=found.end,
        spans=[SpanOut(start=s.start, end=s.end) for s in found.spans],
        gaps=[SpanOut(start=g.start, end=g.end) for g in found.gaps],
    )
