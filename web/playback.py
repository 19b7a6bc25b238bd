"""Playback of recorded footage: a time range as a fragmented MP4, logged with its reason first."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from csu.bounds import Key
from csu.times import ApiTime
from privacy.access_log import AccessLog
from privacy.guard import authorise_camera_action, refuse_camera_action
from privacy.policy import Action
from privacy.rights import Viewer
from video.evidence.playback import stream_mp4
from video.evidence.segments import MAX_PLAYBACK, describe_range, range_problems
from video.recording.index import Segment
from web.deps import CurrentViewer, Services, client_address
from web.live import redirect_live

router = APIRouter(prefix="/api/cameras", tags=["playback"])


@router.get(
    "/{camera_id}/playback.mp4",
    response_class=StreamingResponse,
    responses={200: {"content": {"video/mp4": {}}}},
)
async def playback(
    camera_id: Key,
    start: Annotated[ApiTime, Query(description="Range start, ISO 8601 with a time zone.")],
    end: Annotated[ApiTime, Query(description="Range end (excluded), at most 1 h after start.")],
    request: Request,
    viewer: CurrentViewer,
    services: Services,
    reason: Annotated[str, Query(max_length=1000, description="Why (required by law).")] = "",
) -> Response:
    """The recorded range from the last keyframe at or before `start` (logged before serving)."""
    check_playback(start, end, reason)
    services.cameras.known(camera_id)
    if viewer.anonymised:
        # Recordings hold the zones rendition; faces are hidden only in exports made for it.
        await to_thread.run_sync(
            partial(
                refuse_camera_action,
                services.access_log,
                user=viewer.user,
                action=Action.PLAYBACK,
                camera_id=camera_id,
                client=client_address(request),
                reason=reason.strip(),
                span=(start, end),
                why="the account sees only anonymised video; recordings hold the zones rendition",
                message=f"account '{viewer.username}' sees only anonymised video:"
                " ask for a public_request export instead",
            )
        )
    index = services.recordings.index
    segments = await to_thread.run_sync(index.between, camera_id, start, end)
    if services.redirects is not None and segments and segments[0].node is not None:
        # In a cluster the recording is on the disk of the worker that recorded it: it serves
        # and logs the playback; a range kept on two workers plays the first one's part.
        query = {"start": start.isoformat(), "end": end.isoformat(), "reason": reason.strip()}
        return await redirect_live(
            services.redirects,
            camera_id,
            viewer,
            request,
            services,
            action=Action.PLAYBACK,
            worker=segments[0].node,
            query=query,
        )
    return await serve_recording(
        services.access_log, viewer, camera_id, (start, end), reason, request, segments
    )


def check_playback(start: datetime, end: datetime, reason: str) -> None:
    """400 naming every problem of a playback request (range, missing reason)."""
    problems = range_problems(start, end, MAX_PLAYBACK)
    if not reason.strip():
        problems.insert(0, "reason: a reason is required to play back recorded video")
    if problems:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "; ".join(problems))


async def serve_recording(
    access_log: AccessLog,
    viewer: Viewer,
    camera_id: str,
    span: tuple[datetime, datetime],
    reason: str,
    request: Request,
    segments: list[Segment],
) -> StreamingResponse:
    """Log the playback (with its reason and span), then stream the segments as one MP4."""
    start, end = span
    await to_thread.run_sync(
        partial(
            authorise_camera_action,
            access_log,
            viewer=viewer,
            action=Action.PLAYBACK,
            camera_id=camera_id,
            client=client_address(request),
            reason=reason.strip(),
            span=span,
        )
    )
    if not segments:
        missing = describe_range(camera_id, start, end)
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"nothing recorded for {missing}")
    return StreamingResponse(
        stream_mp4(segments, start, end),
        media_type="video/mp4",
        headers={"Cache-Control": "no-store"},
    )
