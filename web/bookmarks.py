"""Bookmarks over HTTP: create one at a moment of a camera's footage, list and search them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from csu.bounds import Key, RowId
from csu.text import StorableText
from csu.times import ApiTime
from incidents.service import incident_view
from privacy.service import Requester
from video.bookmarks.service import (
    MAX_LISTED,
    Bookmark,
    BookmarkSearch,
    NewBookmark,
)
from web.deps import BookmarksDep, CamerasDep, CurrentViewer, DbSession, client_address

router = APIRouter(prefix="/api/bookmarks", tags=["bookmarks"])


class BookmarkIn(BaseModel):
    """A moment of a camera's footage to mark, with a note and maybe its incident."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "camera_id": "cam-ralliement-1",
                    "at": "2026-11-25T21:04:12.400+01:00",
                    "note": "Scooter sans plaque vers la rue d'Alsace",
                    "incident_id": 42,
                }
            ]
        },
    )

    camera_id: Key = Field(min_length=1)
    at: ApiTime = Field(description="The picture's time, ISO 8601 with a time zone.")
    note: StorableText = Field(min_length=1, max_length=2000)
    incident_id: RowId | None = None


class BookmarkOut(BaseModel):
    """A bookmark as stored."""

    id: int
    camera_id: str
    at: datetime
    note: str
    incident_id: int | None
    created_by: str
    created_at: datetime


def _out(bookmark: Bookmark) -> BookmarkOut:
    assert bookmark.id is not None
    return BookmarkOut(
        id=bookmark.id,
        camera_id=bookmark.camera_id,
        at=bookmark.at,
        note=bookmark.note,
        incident_id=bookmark.incident_id,
        created_by=bookmark.created_by,
        created_at=bookmark.created_at,
    )


@router.post("", response_model=BookmarkOut, status_code=status.HTTP_201_CREATED)
def create_bookmark(
    body: BookmarkIn,
    request: Request,
    viewer: CurrentViewer,
    bookmarks: BookmarksDep,
    cameras: CamerasDep,
    session: DbSession,
) -> BookmarkOut:
    """Mark a moment of a camera's footage (playback right on it; logged first)."""
    cameras.known(body.camera_id)
    if body.incident_id is not None:
        incident_view(session, body.incident_id, seen=viewer.seen)  # 404 when none is seen
    new = NewBookmark(body.camera_id, body.at, body.note.strip(), body.incident_id)
    return _out(bookmarks.create(new, Requester(viewer, client_address(request))))


@router.get("", response_model=list[BookmarkOut])
def list_bookmarks(
    request: Request,
    viewer: CurrentViewer,
    bookmarks: BookmarksDep,
    cameras: CamerasDep,
    q: Annotated[StorableText, Query(max_length=200, description="Words of the note.")] = "",
    camera_id: Key | None = None,
    start: Annotated[ApiTime | None, Query(description="From (included).")] = None,
    end: Annotated[ApiTime | None, Query(description="Until (excluded).")] = None,
    incident_id: RowId | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 200,
) -> list[BookmarkOut]:
    """Bookmarks on the cameras this user may play back, oldest first (the listing is logged)."""
    if camera_id is not None:
        cameras.known(camera_id)
    search = BookmarkSearch(q.strip(), camera_id, start, end, incident_id, limit)
    return [_out(b) for b in bookmarks.search(search, Requester(viewer, client_address(request)))]
