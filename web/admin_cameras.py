"""Cameras added, edited and retired by administrators over HTTP (the flow: video.registry)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import HTTPConnection

from csu.bounds import Key
from csu.config import SiteConfig
from csu.i18n import SiteClock, Translator
from privacy.policy import Action
from privacy.service import Viewer
from video.registry.service import CameraAdmin, RegistryEntry, shown
from web.deps import SiteDep, client_address, provided, require

router = APIRouter(prefix="/api/admin/cameras", tags=["administration"])

Admin = Annotated[Viewer, Depends(require(Action.CAMERA_ADMIN))]


async def _registry(connection: HTTPConnection) -> CameraAdmin:
    return provided(connection, CameraAdmin)


RegistryDep = Annotated[CameraAdmin, Depends(_registry)]


class CameraChange(BaseModel):
    """A camera's settings (the site file's keys) and why they change (logged)."""

    model_config = ConfigDict(extra="forbid")

    camera: dict[str, Any] = Field(description="The camera as a site-file entry would give it.")
    reason: str = Field(default="", max_length=10_000, description="Why (required, logged).")


class Retirement(BaseModel):
    """Why a camera is retired (logged)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=10_000)


class RegistryOut(BaseModel):
    """A camera id of the registry: which source is in force and its settings (no password)."""

    id: str
    origin: str = Field(description="site, added, edited, retired, site_again, removed, ...")
    in_force: bool = Field(description="Whether csu runs and lists this camera.")
    explanation: str
    settings: dict[str, Any] | None
    changed_by: str | None
    changed_at: datetime | None
    reason: str | None


def _out(entry: RegistryEntry, site: SiteConfig) -> RegistryOut:
    # Said in the site's language: the administrator reads it as the camera's row tooltip.
    t = Translator(site.site.language)
    stored = entry.stored
    config = entry.config or (stored.config if stored else None)
    return RegistryOut(
        id=entry.camera_id,
        origin=entry.origin.value,
        in_force=entry.config is not None,
        explanation=entry.explain(t, SiteClock(t.language, site.site.timezone)),
        settings=shown(config),
        changed_by=stored.updated_by if stored else None,
        changed_at=stored.updated_at if stored else None,
        reason=stored.reason if stored else None,
    )


@router.get("/registry", response_model=list[RegistryOut])
def camera_registry(_admin: Admin, cameras: RegistryDep, site: SiteDep) -> list[RegistryOut]:
    """Every camera of the site file and the database, with which source is in force."""
    return [_out(e, site) for e in cameras.entries()]


@router.post("", response_model=RegistryOut, status_code=status.HTTP_201_CREATED)
def add_camera(
    body: CameraChange, request: Request, admin: Admin, cameras: RegistryDep, site: SiteDep
) -> RegistryOut:
    """Add a camera; logged before it is stored, then started on the node that serves it."""
    config = cameras.add(
        actor=admin.user, client=client_address(request), camera=body.camera, reason=body.reason
    )
    return _current(cameras, config.id, site)


@router.put("/{camera_id}", response_model=RegistryOut)
def edit_camera(
    camera_id: Key,
    body: CameraChange,
    request: Request,
    admin: Admin,
    cameras: RegistryDep,
    site: SiteDep,
) -> RegistryOut:
    """Change a camera's settings (its zones stay the zone editor's); its pipeline restarts."""
    cameras.edit(
        actor=admin.user,
        client=client_address(request),
        camera_id=camera_id,
        camera=body.camera,
        reason=body.reason,
    )
    return _current(cameras, camera_id, site)


@router.post("/{camera_id}/retire", response_model=RegistryOut)
def retire_camera(
    camera_id: Key,
    body: Retirement,
    request: Request,
    admin: Admin,
    cameras: RegistryDep,
    site: SiteDep,
) -> RegistryOut:
    """Stop a camera for good: its live views end, its recordings stay until retention."""
    cameras.retire(
        actor=admin.user, client=client_address(request), camera_id=camera_id, reason=body.reason
    )
    return _current(cameras, camera_id, site)


def _current(cameras: CameraAdmin, camera_id: str, site: SiteConfig) -> RegistryOut:
    return next(_out(e, site) for e in cameras.entries() if e.camera_id == camera_id)
