"""A PTZ camera's preset tour: its stops (read by anyone who may move the camera, set by a
supervisor), and starting or stopping it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request

from csu.bounds import Key
from csu.errors import Unavailable
from video.ptz.tour.service import PtzTours, TourAction, TourPlan, TourView
from web.deps import CurrentViewer, PtzToursDep, client_address

router = APIRouter(prefix="/api/cameras", tags=["ptz"])


def _tours(tours: PtzTours | None) -> PtzTours:
    if tours is None:
        raise Unavailable("PTZ tours are run by the process that runs the cameras, not this node")
    return tours


@router.get("/{camera_id}/ptz/tour", response_model=TourView)
async def get_tour(
    camera_id: Key, request: Request, viewer: CurrentViewer, tours: PtzToursDep
) -> TourView:
    """The camera's tour, whether it runs and where it stands (right `video.ptz`)."""
    return await _tours(tours).view(viewer, camera_id, client=client_address(request))


@router.put("/{camera_id}/ptz/tour", response_model=TourView)
async def put_tour(
    camera_id: Key,
    plan: Annotated[TourPlan, Body()],
    request: Request,
    viewer: CurrentViewer,
    tours: PtzToursDep,
) -> TourView:
    """Set the tour's stops: 2 to 32 presets of the camera, each with 5 to 3600 s of dwell
    (right `video.ptz_tour`, logged with before and after); a running tour follows them."""
    return await _tours(tours).define(viewer, camera_id, plan, client=client_address(request))


@router.delete("/{camera_id}/ptz/tour", response_model=TourView)
async def delete_tour(
    camera_id: Key, request: Request, viewer: CurrentViewer, tours: PtzToursDep
) -> TourView:
    """Forget the tour, stopping it if it runs (right `video.ptz_tour`, logged)."""
    return await _tours(tours).remove(viewer, camera_id, client=client_address(request))


@router.post("/{camera_id}/ptz/tour", response_model=TourView)
async def tour_action(
    camera_id: Key,
    action: Annotated[TourAction, Body()],
    request: Request,
    viewer: CurrentViewer,
    tours: PtzToursDep,
) -> TourView:
    """`{"action": "start"}` or `{"action": "stop"}` (right `video.ptz_tour`, logged). A running
    tour moves the camera only while nobody holds it; any operator's command takes it over."""
    return await _tours(tours).act(viewer, camera_id, action, client=client_address(request))
