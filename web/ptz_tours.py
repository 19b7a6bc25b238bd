"""A PTZ camera's preset tour: its stops (read by anyone who may move the camera, set by a
supervisor), and starting or stopping it.

Run by the process that moves the camera; a cluster's API node passes each request on to the
worker that owns it (video.ptz.remote, as for `.../ptz`), which holds the running tour.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from csu.bounds import Key
from csu.errors import Unavailable
from video.ptz.tour.service import PtzTours, TourAction, TourPlan, TourView
from web.deps import CurrentViewer, PtzRemoteDep, PtzToursDep, client_address
from web.ptz import relayed

router = APIRouter(prefix="/api/cameras", tags=["ptz"])


def _tours(tours: PtzTours | None) -> PtzTours:
    if tours is None:
        raise Unavailable(
            "PTZ tours are run by the process that runs the cameras, not this node",
            key="errors.ptz.not_here",
        )
    return tours


@router.get("/{camera_id}/ptz/tour", response_model=TourView)
async def get_tour(
    camera_id: Key,
    request: Request,
    viewer: CurrentViewer,
    tours: PtzToursDep,
    remote: PtzRemoteDep,
) -> TourView | Response:
    """The camera's tour, whether it runs and where it stands (right `video.ptz`)."""
    client = client_address(request)
    if remote is not None:
        return relayed(await remote.tour(viewer, camera_id, "GET", client=client))
    return await _tours(tours).view(viewer, camera_id, client=client)


@router.put("/{camera_id}/ptz/tour", response_model=TourView)
async def put_tour(
    camera_id: Key,
    plan: Annotated[TourPlan, Body()],
    request: Request,
    viewer: CurrentViewer,
    tours: PtzToursDep,
    remote: PtzRemoteDep,
) -> TourView | Response:
    """Set the tour's stops: 2 to 32 presets of the camera, each with 5 to 3600 s of dwell
    (right `video.ptz_tour`, logged with before and after); a running tour follows them."""
    client = client_address(request)
    if remote is not None:
        return relayed(await remote.tour(viewer, camera_id, "PUT", plan, client=client))
    return await _tours(tours).define(viewer, camera_id, plan, client=client)


@router.delete("/{camera_id}/ptz/tour", response_model=TourView)
async def delete_tour(
    camera_id: Key,
    request: Request,
    viewer: CurrentViewer,
    tours: PtzToursDep,
    remote: PtzRemoteDep,
) -> TourView | Response:
    """Forget the tour, stopping it if it runs (right `video.ptz_tour`, logged)."""
    client = client_address(request)
    if remote is not None:
        return relayed(await remote.tour(viewer, camera_id, "DELETE", client=client))
    return await _tours(tours).remove(viewer, camera_id, client=client)


@router.post("/{camera_id}/ptz/tour", response_model=TourView)
async def tour_action(
    camera_id: Key,
    action: Annotated[TourAction, Body()],
    request: Request,
    viewer: CurrentViewer,
    tours: PtzToursDep,
    remote: PtzRemoteDep,
) -> TourView | Response:
    """`{"action": "start"}` or `{"action": "stop"}` (right `video.ptz_tour`, logged). A running
    tour moves the camera only while nobody holds it; any operator's command takes it over."""
    client = client_address(request)
    if remote is not None:
        return relayed(await remote.tour(viewer, camera_id, "POST", action, client=client))
    return await _tours(tours).act(viewer, camera_id, action, client=client)
