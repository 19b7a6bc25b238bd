"""Legal holds: a requisition keeps a camera's span of footage past retention until released.

Placing and releasing are written to the access log before they take effect, with the span,
the requisition and the reason; a refused attempt is logged too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from csu.db import Database
from csu.errors import Conflict, DomainError, Malformed, NotFound
from privacy.access_log import AccessLog
from privacy.guard import authorise_camera_action, no_right
from privacy.policy import Action
from privacy.rights import Requester
from video.recording.models import LegalHold

HOLD_RELEASE = "video.legal_hold_release"


class HoldError(DomainError):
    """A hold request that cannot be carried out; the message says why."""


class HoldNotFound(HoldError, NotFound):
    """No such hold."""


class HoldSpanInvalid(HoldError, Malformed):
    """The span asked for is not one (it ends before it starts)."""


class HoldReleased(HoldError, Conflict):
    """The hold was released already."""


@dataclass(frozen=True)
class HoldRequest:
    """What a judicial officer's requisition asks to keep."""

    camera_id: str
    start: datetime
    end: datetime
    requisition: str
    officer: str
    reason: str
    # The register's requisition, when the hold was placed for one recorded there.
    requisition_id: int | None = None


class HoldService:
    """Places, releases and lists legal holds."""

    def __init__(self, db: Database, access_log: AccessLog) -> None:
        self._db = db
        self._log = access_log

    def place(
        self, request: HoldRequest, actor: Requester, *, now: datetime | None = None
    ) -> LegalHold:
        """Log, then store the hold; AccessDenied (logged) without the right on the camera."""
        if request.end <= request.start:
            raise HoldSpanInvalid("end must be after start", key="errors.footage.order")
        details: dict[str, Any] = {"officer": request.officer}
        if request.requisition_id is not None:
            details["requisition_id"] = request.requisition_id
        self._authorise(Action.LEGAL_HOLD.value, request, actor, details)
        hold = LegalHold(
            camera_id=request.camera_id,
            start=request.start,
            end=request.end,
            requisition=request.requisition,
            officer=request.officer,
            reason=request.reason,
            requisition_id=request.requisition_id,
            placed_by=actor.viewer.username,
            placed_at=now or datetime.now(UTC),
        )
        with self._db.session() as session:
            session.add(hold)
        return hold

    def release(
        self, hold_id: int, reason: str, actor: Requester, *, now: datetime | None = None
    ) -> LegalHold:
        """Log, then end the hold: its footage falls back under normal retention."""
        with self._db.session() as session:
            hold = session.get(LegalHold, hold_id)
        if hold is None:
            raise HoldNotFound(f"no legal hold {hold_id}", key="errors.holds.unknown", hold=hold_id)
        if hold.released_at is not None:
            raise HoldReleased(
                f"legal hold {hold_id} was released already",
                key="errors.holds.released",
                hold=hold_id,
            )
        request = HoldRequest(
            hold.camera_id, hold.start, hold.end, hold.requisition, hold.officer, reason
        )
        self._authorise(HOLD_RELEASE, request, actor, {"hold": hold_id})
        with self._db.session() as session:
            stored = session.get(LegalHold, hold_id)
            assert stored is not None
            stored.released_at = now or datetime.now(UTC)
            stored.released_by = actor.viewer.username
            stored.release_reason = reason
            session.add(stored)
        return stored

    def holds(self, actor: Requester, *, active_only: bool = False) -> list[LegalHold]:
        """The holds on cameras this user holds the right on, newest first."""
        if not actor.viewer.has(Action.LEGAL_HOLD):
            raise no_right(Action.LEGAL_HOLD)
        query = select(LegalHold).order_by(col(LegalHold.placed_at).desc())
        if active_only:
            query = query.where(col(LegalHold.released_at).is_(None))
        cameras = actor.viewer.scope(Action.LEGAL_HOLD).cameras
        if cameras is not None:
            query = query.where(col(LegalHold.camera_id).in_(sorted(cameras)))
        with self._db.session() as session:
            return list(session.exec(query))

    def _authorise(
        self, action: str, request: HoldRequest, actor: Requester, details: dict[str, Any]
    ) -> None:
        authorise_camera_action(
            self._log,
            viewer=actor.viewer,
            action=Action.LEGAL_HOLD,
            camera_id=request.camera_id,
            client=actor.client,
            details=details,
            reason=request.reason,
            span=(request.start, request.end),
            requisition=request.requisition,
            logged_as=action,
        )
