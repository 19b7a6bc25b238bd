"""Alarm intake over HTTP (csu JSON, CAP 1.2, NGSI-LD) and the stored-alarm listing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.routing import Route

from csu.bounds import Key, RowId
from csu.settings import Settings
from csu.times import ApiTime
from incidents.service import (
    AlarmPage,
    Channel,
    IncidentService,
    IntakeResult,
    QueuedResult,
    Submission,
    alarm_page,
    kept_of_too_large,
    rejected_body,
    rejected_page,
    too_large,
)
from privacy.policy import Action
from privacy.service import Viewer
from web.deps import CurrentViewer, DbSession, SiteDep, checked, get_viewer, provided, require

router = APIRouter(prefix="/api/alarms", tags=["alarms"])


async def submitter(request: Request) -> Viewer:
    """The caller, if allowed to submit alarms.

    No database session stays open while the alarm is awaited: a burst of posts would drain the
    pool. A token checked in the last few seconds is not read again (CameraRights).
    """
    return checked(await get_viewer(request), Action.ALARM_SUBMIT)


Submitter = Annotated[Viewer, Depends(submitter)]
Reader = Annotated[Viewer, Depends(require(Action.ALARM_READ))]

ACCEPTED_TYPES: dict[Channel, tuple[str, ...]] = {
    Channel.HTTP_JSON: ("application/json",),
    Channel.HTTP_CAP: ("application/xml", "text/xml", "application/cap+xml"),
    Channel.HTTP_NGSI_LD: ("application/json", "application/ld+json"),
    Channel.ONVIF: ("application/soap+xml", "application/xml", "text/xml"),
}


async def _intake(
    request: Request, channel: Channel, source_hint: str | None = None
) -> JSONResponse:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ACCEPTED_TYPES[channel]:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"content type {content_type or '(none)'!r} is not accepted here; "
            f"send {' or '.join(ACCEPTED_TYPES[channel])}",
        )
    submission = await _submission(
        request,
        channel,
        content_type,
        provided(request, Settings).alarm_max_body_bytes,
        source_hint,
    )
    result = await provided(request, IncidentService).receive(submission)
    if isinstance(result, QueuedResult):
        return _queued(result, refused=submission.refused is not None)
    if submission.refused is not None:
        # The rest of the body was never read: the connection cannot carry another request.
        return JSONResponse(
            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
            content={"detail": result.error, "raw_id": result.raw_id},
            headers={"Connection": "close"},
        )
    return _answer(result)


async def _submission(
    request: Request, channel: Channel, content_type: str, limit: int, source_hint: str | None
) -> Submission:
    """The body as a submission; one over `limit` bytes is not read further: its start is kept,
    refused (a declared Content-Length over the limit is refused before the rest arrives)."""
    declared = request.headers.get("content-length")
    size = int(declared) if declared is not None and declared.isdigit() else None
    over = size is not None and size > limit
    chunks: list[bytes] = []
    read = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        read += len(chunk)
        if read > limit or (over and read >= kept_of_too_large(limit)):
            over = True
            break
    if over:
        start = b"".join(chunks)
        whole = size if size is not None and size > limit else None
        return too_large(
            channel,
            start,
            size=whole,
            limit=limit,
            content_type=content_type,
            source_hint=source_hint,
        )
    return Submission(
        channel=channel,
        body=b"".join(chunks),
        received_at=datetime.now(UTC),
        content_type=content_type,
        source_hint=source_hint,
        link_header=request.headers.get("link"),
    )


INTAKE_ERRORS: dict[int | str, dict[str, Any]] = {
    202: {
        "model": QueuedResult,
        "description": "A cluster's API node: stored in the alarm stream, to be correlated by"
        " the leading node's engine; 413 and 422 then name the stream's seq, not a raw_id",
    },
    413: {
        "description": "Over CSU_ALARM_MAX_BODY_BYTES: not read further; its start is kept as"
        " rejected ({detail, raw_id})"
    },
    422: {
        "description": "Not a valid alarm: detail names the field and the problem; kept as"
        " rejected ({detail, raw_id})"
    },
}


def _queued(result: QueuedResult, *, refused: bool) -> JSONResponse:
    """A cluster's answers: 202 once the alarm stream has the payload, or the same 413 and 422
    as one process gives (the payload is kept all the same), naming its place in the stream."""
    if refused:
        return JSONResponse(
            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
            content={"detail": result.error, "seq": result.seq},
            headers={"Connection": "close"},
        )
    if not result.accepted:
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content={"detail": result.error, "seq": result.seq},
        )
    return JSONResponse(
        status_code=status.HTTP_202_ACCEPTED, content=result.model_dump(mode="json")
    )


def _answer(result: IntakeResult) -> JSONResponse:
    if not result.accepted:
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content={"detail": result.error, "raw_id": result.raw_id},
        )
    created = any(a.created for a in result.alarms)
    return JSONResponse(
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        content=result.model_dump(mode="json"),
    )


@router.post("", status_code=201, response_model=IntakeResult, responses=INTAKE_ERRORS)
async def post_alarm(request: Request, _user: Submitter) -> Response:
    """An alarm in csu's own JSON form; re-sending the same source + external_id updates it."""
    return await _intake(request, Channel.HTTP_JSON)


@router.post("/cap", status_code=201, response_model=IntakeResult, responses=INTAKE_ERRORS)
async def post_cap(request: Request, _user: Submitter) -> Response:
    """An OASIS CAP 1.2 <alert>; Update and Cancel act on the alerts they reference."""
    return await _intake(request, Channel.HTTP_CAP)


@router.post("/ngsi-ld", status_code=201, response_model=IntakeResult, responses=INTAKE_ERRORS)
async def post_ngsi_ld(request: Request, _user: Submitter) -> Response:
    """An NGSI-LD notification carrying Alert or Anomaly entities."""
    return await _intake(request, Channel.HTTP_NGSI_LD)


@router.post(
    "/onvif",
    status_code=201,
    response_model=IntakeResult,
    responses={**INTAKE_ERRORS, 404: {"description": "No such camera on the site"}},
)
async def post_onvif(request: Request, site: SiteDep, _user: Submitter, camera: Key) -> Response:
    """An ONVIF event document from the site's camera `camera`: the WS-BaseNotification Notify
    it pushes (in its SOAP envelope or bare) or a tt:MetadataStream; stored raw, then parsed as
    csu's own subscriptions to the camera's events are."""
    if site.camera(camera) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no camera {camera!r} on this site")
    return await _intake(request, Channel.ONVIF, source_hint=camera)


def intake_routes() -> list[Route]:
    """The three intake paths as plain Starlette routes, to put ahead of the FastAPI routers.

    A storm's hot path: FastAPI's dependency solving and router matching cost more per post than
    the rest of the request in the web process. These routes run the same checks (submitter,
    content type, 503 while the engine restarts) and answer the same; the FastAPI routes above
    still describe the endpoints in the OpenAPI document.
    """

    def endpoint(channel: Channel) -> Callable[[Request], Awaitable[Response]]:
        async def intake(request: Request) -> Response:
            await submitter(request)
            return await _intake(request, channel)

        return intake

    return [
        Route(f"{router.prefix}{suffix}", endpoint(channel), methods=["POST"])
        for suffix, channel in (
            ("", Channel.HTTP_JSON),
            ("/cap", Channel.HTTP_CAP),
            ("/ngsi-ld", Channel.HTTP_NGSI_LD),
        )
    ]


@router.get("", response_model=AlarmPage)
def get_alarms(
    session: DbSession,
    viewer: Reader,
    source: Key | None = None,
    type: Key | None = None,
    since: ApiTime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    rejected: bool = False,
    before_id: RowId | None = None,
) -> AlarmPage:
    """Stored alarms, or with ?rejected=true the payloads kept as rejected (administrators);
    newest first, a page at a time (before_id: the next_before_id of the page before)."""
    if rejected:
        checked(viewer, Action.ALARM_REJECTED_READ)
        return rejected_page(session, since=since, before_id=before_id, limit=limit)
    return alarm_page(
        session,
        seen=viewer.seen,
        source=source,
        type_=type,
        since=since,
        before_id=before_id,
        limit=limit,
    )


@router.get(
    "/rejected/{raw_id}/body",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_rejected_body(raw_id: RowId, session: DbSession, viewer: CurrentViewer) -> Response:
    """One rejected payload's body whole, as received (administrators); never shown inline."""
    checked(viewer, Action.ALARM_REJECTED_READ)
    body = rejected_body(session, raw_id)
    if body is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rejected payload {raw_id}")
    return Response(
        body,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="rejected-{raw_id}.bin"'},
    )
