"""WHEP live view: an SDP offer in, an SDP answer and a session URL out (RFC 9725)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from csu.bounds import Key
from privacy.policy import Action
from privacy.service import Rendition, Viewer
from video.live.service import MAX_OFFER_BYTES, LiveRedirects, LiveService
from video.service import CameraService
from web.deps import CamerasDep, CurrentViewer, LiveDep, RedirectsDep, client_address

router = APIRouter(prefix="/api/cameras", tags=["live"])
ice_router = APIRouter(prefix="/api/live", tags=["live"])

SDP = "application/sdp"


async def read_sdp_offer(request: Request) -> str:
    """The WHEP offer as text: 415 unless application/sdp, 413 if too big, 400 if not UTF-8."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != SDP:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"a WHEP offer must be sent as {SDP}, not '{media_type or 'no content type'}'",
        )
    body = await request.body()
    if len(body) > MAX_OFFER_BYTES:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"SDP offer larger than {MAX_OFFER_BYTES} bytes"
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "SDP offer is not UTF-8 text") from None


async def answer_offer(
    live: LiveService,
    camera_id: str,
    viewer: Viewer,
    request: Request,
    rendition: Rendition | None = None,
    *,
    ticket: str | None = None,
) -> Response:
    """Read the WHEP offer, open a live session for the viewer (in the policy's rendition unless
    a stricter one is given; logged before the picture flows), and answer 201 with the SDP
    answer and the session's URL (on a worker, carrying the ticket that closes it)."""
    offer = await read_sdp_offer(request)
    session = await live.open(
        camera_id,
        offer,
        viewer=viewer,
        rendition=rendition or viewer.rendition(),
        client=client_address(request),
    )
    location = f"/api/cameras/{camera_id}/whep/{session.id}"
    if ticket is not None:
        location += f"?ticket={ticket}"
    headers = {"Location": location, "Cache-Control": "no-store"}
    return Response(
        session.answer_sdp,
        status_code=status.HTTP_201_CREATED,
        media_type=SDP,
        headers=headers | ice_links(live, viewer.username),
    )


def ice_links(live: LiveService, login: str) -> dict[str, str]:
    """RFC 9725's `Link: <uri>; rel="ice-server"` header for the site's STUN and TURN servers
    (with credentials for `login`), or none when the site has none."""
    links = [link for server in live.ice.for_login(login) for link in server.links()]
    return {"Link": ", ".join(links)} if links else {}


class IceServerView(BaseModel):
    """One STUN or TURN server as RTCPeerConnection's iceServers takes it."""

    urls: list[str]
    username: str | None = None
    credential: str | None = None


class IceSettings(BaseModel):
    """What a browser's RTCPeerConnection needs to reach csu's live view."""

    ice_servers: list[IceServerView] = Field(description="RTCConfiguration.iceServers")
    ice_transport_policy: str = Field(description="RTCConfiguration.iceTransportPolicy")
    expires_at: float | None = Field(
        default=None,
        description="Unix time the first time-limited credential ends (ask again before); "
        "absent without time-limited credentials.",
    )


@ice_router.get("/ice-servers", response_model=IceSettings, response_model_exclude_none=True)
def ice_servers(viewer: CurrentViewer, live: LiveDep, response: Response) -> IceSettings:
    """The site's STUN and TURN servers with credentials for this user (never cached)."""
    servers = live.ice.for_login(viewer.username)
    response.headers["Cache-Control"] = "no-store"
    ends = [s.expires_at for s in servers if s.expires_at is not None]
    return IceSettings(
        ice_servers=[IceServerView.model_validate(s.as_json()) for s in servers],
        ice_transport_policy=live.ice.transport_policy,
        expires_at=min(ends, default=None),
    )


@router.options("/{camera_id}/whep", status_code=status.HTTP_204_NO_CONTENT)
def whep_options(
    camera_id: Key, viewer: CurrentViewer, cameras: CamerasDep, live: LiveDep
) -> Response:
    """What the WHEP endpoint accepts, and the ICE servers to gather with before the offer
    (as MediaMTX's players ask)."""
    cameras.known(camera_id)
    return Response(
        status_code=status.HTTP_204_NO_CONTENT,
        headers={"Accept-Post": SDP, "Allow": "OPTIONS, POST", "Cache-Control": "no-store"}
        | ice_links(live, viewer.username),
    )


@router.post(
    "/{camera_id}/whep",
    status_code=status.HTTP_201_CREATED,
    response_class=Response,
    responses={201: {"content": {SDP: {}}}},
)
async def whep_offer(
    camera_id: Key,
    request: Request,
    viewer: CurrentViewer,
    live: LiveDep,
    cameras: CamerasDep,
    redirects: RedirectsDep,
) -> Response:
    """Answer a WHEP offer with the policy's rendition of the camera (logged before it flows).

    On a cluster's API node, answer 307 to the worker that owns the camera, with a ticket: the
    client sends its offer again there (RFC 9725 clients follow redirects).
    """
    if redirects is not None:
        return await redirect_live(redirects, cameras, camera_id, viewer, request)
    return await answer_offer(live, camera_id, viewer, request)


async def redirect_live(
    redirects: LiveRedirects,
    cameras: CameraService,
    camera_id: str,
    viewer: Viewer,
    request: Request,
    rendition: Rendition | None = None,
    *,
    action: Action = Action.LIVE_VIEW,
    worker: str | None = None,
    query: Mapping[str, str] | None = None,
) -> Response:
    """307 to the worker that serves the camera (or keeps the recording), with a ticket; 404,
    403 (logged) or 503 otherwise."""
    cameras.known(camera_id)
    url = await redirects.redirect(
        camera_id,
        viewer,
        rendition or viewer.rendition(),
        client_address(request),
        action=action,
        worker=worker,
        query=query,
    )
    return Response(
        status_code=status.HTTP_307_TEMPORARY_REDIRECT,
        headers={"Location": url, "Cache-Control": "no-store"},
    )


@router.delete("/{camera_id}/whep/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def whep_delete(
    camera_id: Key, session_id: Key, viewer: CurrentViewer, live: LiveDep
) -> Response:
    """End a live session (its viewer or an admin)."""
    await live.close(session_id, camera_id=camera_id, username=viewer.username, role=viewer.role)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
