"""Playback of recorded footage: a time range as a fragmented MP4, logged with its reason first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse

from csu.bounds import Key
from csu.times import ApiTime
from privacy.guard import authorise_camera_action, refuse_camera_action
from privacy.policy import Action
from video.evidence.playback import stream_mp4
from video.evidence.segments import MAX_PLAYBACK, describe_range, range_problems
from web.deps import CurrentViewer, Services, client_address

router = APIRouter(prefix="/api/cameras", tags=["playback"])


@router.get(
    "/{camera_id}/playback.mp4",
    response_class=StreamingResponse,
    responses={200: {"content": {"video/mp4": {}}}},
)
def playback(
    camera_id: Key,
    start: Annotated[ApiTime, Query(description="Range start, ISO 8601 with a time zone.")],
    end: Annotated[ApiTime, Query(description="Range end (excluded), at most 1 h after start.")],
    request: Request,
    viewer: CurrentViewer,
    services: Services,
    reason: Annotated[str, Query(max_length=1000, description="Why (required by law).")] = "",
) -> StreamingResponse:
    """The recorded range from the last keyframe at or before `start` (logged before serving)."""
    problems = range_problems(start, end, MAX_PLAYBACK)
    if not reason.strip():
        problems.insert(0, "reason: a reason is required to play back recorded video")
    if problems:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "; ".join(problems))
    if services.cameras.camera(camera_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown camera '{camera_id}'")
    if viewer.anonymised:
        # Recordings hold the zones rendition; faces are hidden only in exports made for it.
        refuse_camera_action(
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
    authorise_camera_action(
        services.access_log,
        viewer=viewer,
        action=Action.PLAYBACK,
        camera_id=camera_id,
        client=client_address(request),
        reason=reason.strip(),
        span=(start, end),
    )
    segments = services.recordings.index.between(camera_id, start, end)
    if not segments:
        missing = describe_range(camera_id, start, end)
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"nothing recorded for {missing}")
    return StreamingResponse(
        stream_mp4(segments, start, end),
        media_type="video/mp4",
        headers={"Cache-Control": "no-store"},
    )
