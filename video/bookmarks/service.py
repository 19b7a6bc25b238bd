"""Bookmarks: created by those who may play the camera back, listed and searched, each logged.

A bookmark points at recorded footage, so it follows the playback right: creating one and
listing them are written to the access log like any other look at recordings (a refused attempt
too), and a listing only ever returns the cameras the user may play back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from csu.db import Database
from csu.errors import Malformed
from privacy.access_log import AccessLog, AccessRecord, Outcome
from privacy.guard import AccessDenied, authorise_camera_action, role_refusal
from privacy.policy import Action
from privacy.rights import Requester, Viewer
from video.bookmarks.models import Bookmark

__all__ = [
    "BOOKMARK_CREATE",
    "BOOKMARK_LIST",
    "MAX_LISTED",
    "Bookmark",
    "BookmarkSearch",
    "BookmarkSearchInvalid",
    "BookmarkService",
    "NewBookmark",
]

BOOKMARK_CREATE = "video.bookmark_create"
BOOKMARK_LIST = "video.bookmark_list"
MAX_LISTED = 500


class BookmarkSearchInvalid(Malformed):
    """A search whose time range is not one."""


@dataclass(frozen=True)
class NewBookmark:
    """What a user marks: a moment of a camera, a note, maybe the incident it belongs to."""

    camera_id: str
    at: datetime
    note: str
    incident_id: int | None = None


@dataclass(frozen=True)
class BookmarkSearch:
    """Which bookmarks to list: words of the note, a camera, a time range, an incident."""

    text: str = ""
    camera_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    incident_id: int | None = None
    limit: int = 200

    def logged(self) -> dict[str, Any]:
        """The search as the access log keeps it."""
        found = {"text": self.text, "incident_id": self.incident_id, "limit": self.limit}
        return {k: v for k, v in found.items() if v not in (None, "")}


class BookmarkService:
    """Stores and searches bookmarks, logging each creation and listing first."""

    def __init__(self, db: Database, access_log: AccessLog) -> None:
        self._db = db
        self._log = access_log

    def create(self, new: NewBookmark, who: Requester, *, now: datetime | None = None) -> Bookmark:
        """Log, then store; AccessDenied (logged) without the playback right on the camera."""
        details: dict[str, Any] = {"note": new.note}
        if new.incident_id is not None:
            details["incident_id"] = new.incident_id
        authorise_camera_action(
            self._log,
            viewer=who.viewer,
            action=Action.PLAYBACK,
            camera_id=new.camera_id,
            client=who.client,
            details=details,
            span=(new.at, new.at),
            logged_as=BOOKMARK_CREATE,
        )
        bookmark = Bookmark(
            camera_id=new.camera_id,
            at=new.at,
            note=new.note,
            incident_id=new.incident_id,
            created_by=who.viewer.username,
            created_at=now or datetime.now(UTC),
        )
        with self._db.session() as session:
            session.add(bookmark)
        return bookmark

    def search(self, search: BookmarkSearch, who: Requester) -> list[Bookmark]:
        """The bookmarks matching, oldest first, on cameras the user may play back (logged)."""
        if search.start and search.end and search.end <= search.start:
            raise BookmarkSearchInvalid("'end' must be after 'start'", key="errors.footage.order")
        span = (search.start, search.end) if search.start and search.end else None
        if search.camera_id is not None:
            authorise_camera_action(
                self._log,
                viewer=who.viewer,
                action=Action.PLAYBACK,
                camera_id=search.camera_id,
                client=who.client,
                details=search.logged(),
                span=span,
                logged_as=BOOKMARK_LIST,
            )
        else:
            self._authorise_any(search, who, span)
        return self._query(search, who.viewer)

    def _authorise_any(
        self, search: BookmarkSearch, who: Requester, span: tuple[datetime, datetime] | None
    ) -> None:
        # Across cameras: the role must carry playback at all; the query keeps to its cameras.
        why = role_refusal(who.viewer.user, Action.PLAYBACK)
        record = AccessRecord(
            action=BOOKMARK_LIST,
            user=who.viewer.username,
            role=who.viewer.user.role,
            client=who.client,
            span_start=span[0] if span else None,
            span_end=span[1] if span else None,
            outcome=Outcome.GRANTED if why is None else Outcome.DENIED,
            details=search.logged() if why is None else {**search.logged(), "why": why},
        )
        self._log.append(record)
        if why is not None:
            raise AccessDenied(
                "no playback right: bookmarks point at recorded footage",
                key="errors.bookmarks.no_playback",
            )

    def _query(self, search: BookmarkSearch, viewer: Viewer) -> list[Bookmark]:
        query = select(Bookmark).order_by(col(Bookmark.at), col(Bookmark.id))
        cameras = viewer.scope(Action.PLAYBACK).cameras
        if cameras is not None:
            query = query.where(col(Bookmark.camera_id).in_(sorted(cameras)))
        if search.camera_id is not None:
            query = query.where(col(Bookmark.camera_id) == search.camera_id)
        if search.start is not None:
            query = query.where(col(Bookmark.at) >= search.start)
        if search.end is not None:
            query = query.where(col(Bookmark.at) < search.end)
        if search.incident_id is not None:
            query = query.where(col(Bookmark.incident_id) == search.incident_id)
        for word in search.text.split():
            # Each word anywhere in the note, whatever its case; LIKE's wildcards taken literally.
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(col(Bookmark.note).ilike(f"%{escaped}%", escape="\\"))
        with self._db.session() as session:
            return list(session.exec(query.limit(min(search.limit, MAX_LISTED))))
