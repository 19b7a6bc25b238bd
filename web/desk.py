"""What the operators' desks are built from: the site's camera groups, within a user's cameras."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from web.deps import CamerasDep, CurrentViewer, SiteDep

router = APIRouter(prefix="/api/site", tags=["desk"])


class GroupOut(BaseModel):
    """A camera group as a desk offers it."""

    id: str
    name: str
    cameras: list[str] = Field(description="Its cameras this user may see, in the site's order.")


class DeskOut(BaseModel):
    """The site's desk settings for this user."""

    groups: list[GroupOut]


@router.get("/desk", response_model=DeskOut)
def desk(viewer: CurrentViewer, site: SiteDep, cameras: CamerasDep) -> DeskOut:
    """Camera groups holding at least one camera this user may see (and only those cameras)."""
    # Cameras retired by an administrator are in the site file but no longer in service.
    in_service = {view.config.id for view in cameras.cameras()}
    groups = []
    for group in site.groups:
        shown = [c for c in viewer.visible(group.cameras) if c in in_service]
        if shown:
            groups.append(GroupOut(id=group.id, name=group.name, cameras=shown))
    return DeskOut(groups=groups)
