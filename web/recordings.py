"""What is recorded for a camera over a time range: spans and gaps (metadata, no picture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel

from csu.bounds import Key
from csu.times import ApiTime
from privacy.guard import refuse_unless_allowed
from privacy.policy import Action
from video.recording.spans import recorded_spans
from web.deps import CurrentViewer, Services, client_address

router = APIRouter(prefix="/api/cameras", tags=["recordings"])

# Longer than the legal maximum retention: nothing older can exist.
MAX_RANGE = timedelta(days=31)


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


def parse_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """A valid [start, end) range in UTC, or 400 naming the problem."""
    a, b = start.astimezone(UTC), end.astimezone(UTC)
    if b <= a:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "'end' must be after 'start'")
    if b - a > MAX_RANGE:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "'end' is more than 31 days after 'start'")
    return a, b


@router.get("/{camera_id}/recordings", response_model=RecordingsOut)
def recordings(
    camera_id: Key,
    request: Request,
    viewer: CurrentViewer,
    services: Services,
    start: Annotated[ApiTime, Query(description="Range start, ISO 8601 with a time zone.")],
    end: Annotated[ApiTime, Query(description="Range end, ISO 8601 with a time zone.")],
) -> RecordingsOut:
    """Recorded spans and gaps; needs the playback right on the camera (no picture, no reason)."""
    services.cameras.known(camera_id)
    refuse_unless_allowed(
        services.access_log,
        viewer=viewer,
        action=Action.PLAYBACK,
        camera_id=camera_id,
        client=client_address(request),
        details={"request": "recorded spans"},
    )
    a, b = parse_range(start, end)
    spans, gaps = recorded_spans(services.recordings.index.between(camera_id, a, b), a, b)
    return RecordingsOut(
        camera_id=camera_id,
        start=a,
        end=b,
        spans=[SpanOut(start=s.start, end=s.end) for s in spans],
        gaps=[SpanOut(start=g.start, end=g.end) for g in gaps],
    )
