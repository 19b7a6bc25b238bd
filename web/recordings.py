"""What is recorded for a camera over a time range: spans and gaps (metadata, no picture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel

from csu.identity import service as identity
from privacy.guard import refuse_unless_allowed
from privacy.policy import Action
from video.recording.spans import recorded_spans
from web.deps import CurrentUser, DbSession, Services, client_address

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


def parse_moment(name: str, value: str | None) -> datetime:
    """An ISO 8601 query parameter as an aware UTC datetime (naive means UTC), or 400."""
    if not value:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"missing '{name}' (ISO 8601 time)")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"'{name}' is not an ISO 8601 time: {value!r}"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_range(start: str | None, end: str | None) -> tuple[datetime, datetime]:
    """A valid [start, end) range from query parameters, or 400 naming the bad one."""
    a, b = parse_moment("start", start), parse_moment("end", end)
    if b <= a:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "'end' must be after 'start'")
    if b - a > MAX_RANGE:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "'end' is more than 31 days after 'start'")
    return a, b


@router.get("/{camera_id}/recordings", response_model=RecordingsOut)
def recordings(
    camera_id: str,
    request: Request,
    user: CurrentUser,
    session: DbSession,
    services: Services,
    start: str | None = Query(default=None, description="Range start, ISO 8601 (UTC if naive)."),
    end: str | None = Query(default=None, description="Range end, ISO 8601 (UTC if naive)."),
) -> RecordingsOut:
    """Recorded spans and gaps; needs the playback right on the camera (no picture, no reason)."""
    if services.cameras.camera(camera_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown camera '{camera_id}'")
    refuse_unless_allowed(
        services.access_log,
        user=user,
        granted=identity.active_camera_ids(session, user=user),
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
