"""Playback of recorded footage: a time range as a fragmented MP4, logged with its reason first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from csu.bounds import Key
from csu.times import ApiTime
from privacy.access_log.service import AccessLog
from privacy.policy import Action
from privacy.service import Viewer
from video.evidence.service import (
    RecordedSegment,
    check_playback,
    first_frame_at,
    playback,
    refuse_anonymised_playback,
)
from web.deps import (
    AccessLogDep,
    CamerasDep,
    CurrentViewer,
    RecordingsDep,
    RedirectsDep,
    client_address,
)
from web.live import redirect_live

router = APIRouter(prefix="/api/cameras", tags=["playback"])
PLAYBACK_START = "X-Playback-Start"


@router.get(
    "/{camera_id}/playback.mp4",
    response_class=StreamingResponse,
    responses={200: {"content": {"video/mp4": {}}}},
)
async def get_playback(
    camera_id: Key,
    start: Annotated[ApiTime, Query(description="Range start, ISO 8601 with a time zone.")],
    end: Annotated[ApiTime, Query(description="Range end (excluded), at most 1 h after start.")],
    request: Request,
    viewer: CurrentViewer,
    cameras: CamerasDep,
    recordings: RecordingsDep,
    access_log: AccessLogDep,
    redirects: RedirectsDep,
    reason: Annotated[str, Query(max_length=1000, description="Why (required by law).")] = "",
) -> Response:
    """The recorded range from the last keyframe at or before `start` (logged before serving)."""
    check_playback(start, end, reason)
    cameras.known(camera_id)
    client = client_address(request)
    await to_thread.run_sync(
        partial(
            refuse_anonymised_playback,
            access_log,
            viewer=viewer,
            camera_id=camera_id,
            span=(start, end),
            reason=reason,
            client=client,
        )
    )
    segments = await to_thread.run_sync(recordings.index.between, camera_id, start, end)
    if redirects is not None and segments and segments[0].node is not None:
        # In a cluster the recording is on the disk of the worker that recorded it: it serves
        # and logs the playback; a range kept on two workers plays the first one's part.
        query = {"start": start.isoformat(), "end": end.isoformat(), "reason": reason.strip()}
        return await redirect_live(
            redirects,
            cameras,
            camera_id,
            viewer,
            request,
            action=Action.PLAYBACK,
            worker=segments[0].node,
            query=query,
        )
    return await playback_response(
        access_log, segments, viewer, camera_id, (start, end), reason=reason, client=client
    )


async def playback_response(
    access_log: AccessLog,
    segments: Sequence[RecordedSegment],
    viewer: Viewer,
    camera_id: str,
    span: tuple[datetime, datetime],
    *,
    reason: str,
    client: str | None,
) -> StreamingResponse:
    """The range as one MP4 from these segments, logged before the first byte (API node alone,
    or the worker that keeps the footage); X-Playback-Start says when its first frame was taken."""
    stream = await to_thread.run_sync(
        partial(
            playback,
            access_log,
            segments,
            viewer=viewer,
            camera_id=camera_id,
            span=span,
            reason=reason,
            client=client,
        )
    )
    headers = {"Cache-Control": "no-store"}
    # The player's site-time clock: the MP4's time 0 is its first frame, the last IDR at or
    # before the asked start, and its timestamps follow the frames' wall times from there.
    first = await to_thread.run_sync(first_frame_at, segments, span[0], span[1])
    if first is not None:
        headers[PLAYBACK_START] = first.isoformat()
    return StreamingResponse(stream, media_type="video/mp4", headers=headers)
