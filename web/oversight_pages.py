"""The privacy officer's and the administrator's pages (their assets come from /static)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from web.pages import page

router = APIRouter(tags=["pages"])


@router.get("/audit", include_in_schema=False)
def audit_page() -> FileResponse:
    """Access-log search, summaries, export and chain verification (no video on it, ever)."""
    return page("audit")


@router.get("/admin", include_in_schema=False)
def admin_page() -> FileResponse:
    """Cameras, accounts and authorisations, and the privacy-zone editor."""
    return page("admin")
