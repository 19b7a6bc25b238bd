"""What the operators' desks are built from: the site's camera groups and tours, per user."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter
from pydantic import BaseModel, Field

from web.deps import CamerasDep, CurrentViewer, SiteDep

router = APIRouter(prefix="/api/site", tags=["desk"])


class GroupOut(BaseModel):
    """A camera group as a desk offers it."""

    id: str
    name: str
    cameras: list[str] = Field(description="Its cameras this user may see, in the site's order.")


class TourOut(BaseModel):
    """A camera tour ('séquence') as a desk runs it on a tile."""

    id: str
    name: str
    dwell_s: int = Field(description="Seconds each camera stays on.")
    cameras: list[str] = Field(description="Its cameras this user may see, in the order shown.")


class DeskOut(BaseModel):
    """The site's desk settings for this user."""

    groups: list[GroupOut]
    tours: list[TourOut]


@router.get("/desk", response_model=DeskOut)
def desk(viewer: CurrentViewer, site: SiteDep, cameras: CamerasDep) -> DeskOut:
    """Camera groups and tours holding at least one camera this user may see (and only those)."""
    # Cameras retired by an administrator are in the site file but no longer in service.
    in_service = {view.config.id for view in cameras.cameras()}

    def shown(ids: Sequence[str]) -> list[str]:
        return [c for c in viewer.visible(ids) if c in in_service]

    groups = [GroupOut(id=g.id, name=g.name, cameras=shown(g.cameras)) for g in site.groups]
    tours = [
        TourOut(id=t.id, name=t.name, dwell_s=t.dwell_s, cameras=shown(site.tour_cameras(t)))
        for t in site.tours
    ]
    return DeskOut(groups=[g for g in groups if g.cameras], tours=[t for t in tours if t.cameras])
