"""The browser pages: one static mount for every asset, the sign-in page, the consoles' pages,
and the site's map settings they draw with (no CDN, no outside tile server: the network is closed).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from csu.config import MapConfig
from web.deps import CurrentViewer, SiteDep

STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter(tags=["pages"])


def mount_static(app: FastAPI) -> None:
    """Serve web/static under /static."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def page(folder: str) -> FileResponse:
    """A page's index.html (its scripts and styles come from /static/<folder>/)."""
    return FileResponse(STATIC / folder / "index.html", media_type="text/html")


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    """The sign-in page sends each user on to the page made for their role."""
    return RedirectResponse("/login")


@router.get("/login", include_in_schema=False)
def login_page() -> FileResponse:
    """Sign in, then go on to `next` or the role's home page."""
    return page("login")


@router.get("/console", include_in_schema=False)
def console_page() -> FileResponse:
    """The operator console (it signs in through /login by itself)."""
    return page("console")


@router.get("/crisis", include_in_schema=False)
def crisis_page() -> FileResponse:
    """The crisis cell's page: the open crisis, its decisions, incidents, salvos and report."""
    return page("crisis")


@router.get("/requisitions", include_in_schema=False)
def requisitions_page() -> FileResponse:
    """The requisitions register: supervisors keep it, the privacy officer reads it."""
    return page("requisitions")


@router.get("/forum", include_in_schema=False)
def forum_page() -> FileResponse:
    """The Forum's public kiosk (role public_display; it signs in through /login by itself)."""
    return page("forum")


@router.get("/api/site/map", response_model=MapConfig)
def site_map(_viewer: CurrentViewer, site: SiteDep) -> MapConfig:
    """How to draw the site's map: its tile server if any, else its streets, else a grid."""
    return site.map
