"""Legal holds: a requisition keeps a camera's span of footage past retention until released.

Placing and releasing are written to the access log before they take effect, with the span,
the requisition and the reason; a refused attempt is logged too.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from csu.db import Database
from csu.identity.models import User
from csu.identity.roles import ALL_CAMERAS, Role
from privacy.access_log import AccessLog, AccessRecord, Outcome
from privacy.guard import RIGHT_NAMES, AccessDenied
from privacy.policy import Action, camera_allowed, role_allows
from video.recording.models import LegalHold

HOLD_RELEASE = "video.legal_hold_release"


class HoldError(Exception):
    """A hold request that cannot be carried out; the message says why."""


class HoldNotFound(HoldError):
    """No such hold."""


@dataclass(frozen=True)
class HoldRequest:
    """What a judicial officer's requisition asks to keep."""

    camera_id: str
    start: datetime
    end: datetime
    requisition: str
    officer: str
    reason: str


@dataclass(frozen=True)
class Actor:
    """Who acts, from where, with which camera authorisations."""

    user: User
    granted: Set[str]
    client: str | None


class HoldService:
    """Places, releases and lists legal holds."""

    def __init__(self, db: Database, access_log: AccessLog) -> None:
        self._db = db
        self._log = access_log

    def place(
        self, request: HoldRequest, actor: Actor, *, now: datetime | None = None
    ) -> LegalHold:
        """Log, then store the hold; AccessDenied (logged) without the right on the camera."""
        if request.end <= request.start:
            raise HoldError("end must be after start")
        details = {"officer": request.officer}
        self._authorise(Action.LEGAL_HOLD.value, request, actor, details)
        hold = LegalHold(
            camera_id=request.camera_id,
            start=request.start,
            end=request.end,
            requisition=request.requisition,
            officer=request.officer,
            reason=request.reason,
            placed_by=actor.user.username,
            placed_at=now or datetime.now(UTC),
        )
        with self._db.session() as session:
            session.add(hold)
        return hold

    def release(
        self, hold_id: int, reason: str, actor: Actor, *, now: datetime | None = None
    ) -> LegalHold:
        """Log, then end the hold: its footage falls back under normal retention."""
        with self._db.session() as session:
            hold = session.get(LegalHold, hold_id)
        if hold is None:
            raise HoldNotFound(f"no legal hold {hold_id}")
        if hold.released_at is not None:
            raise HoldError(f"legal hold {hold_id} was released already")
        request = HoldRequest(
            hold.camera_id, hold.start, hold.end, hold.requisition, hold.officer, reason
        )
        self._authorise(HOLD_RELEASE, request, actor, {"hold": hold_id})
        with self._db.session() as session:
            stored = session.get(LegalHold, hold_id)
            assert stored is not None
            stored.released_at = now or datetime.now(UTC)
            stored.released_by = actor.user.username
            stored.release_reason = reason
            session.add(stored)
        return stored

    def holds(self, actor: Actor, *, active_only: bool = False) -> list[LegalHold]:
        """The holds on cameras this user holds the right on, newest first."""
        if not role_allows(Role(actor.user.role), Action.LEGAL_HOLD):
            raise AccessDenied(f"no {RIGHT_NAMES[Action.LEGAL_HOLD]} right")
        query = select(LegalHold).order_by(col(LegalHold.placed_at).desc())
        if active_only:
            query = query.where(col(LegalHold.released_at).is_(None))
        if ALL_CAMERAS not in actor.granted:
            query = query.where(col(LegalHold.camera_id).in_(sorted(actor.granted)))
        with self._db.session() as session:
            return list(session.exec(query))

    def _authorise(
        self, action: str, request: HoldRequest, actor: Actor, details: dict[str, Any]
    ) -> None:
        user = actor.user
        allowed = user.active and camera_allowed(
            Role(user.role), Action.LEGAL_HOLD, request.camera_id, actor.granted
        )
        self._log.append(
            AccessRecord(
                action=action,
                user=user.username,
                role=user.role,
                camera_id=request.camera_id,
                span_start=request.start,
                span_end=request.end,
                reason=request.reason,
                requisition=request.requisition,
                client=actor.client,
                outcome=Outcome.GRANTED if allowed else Outcome.DENIED,
                details=details,
            )
        )
        if not allowed:
            raise AccessDenied(
                f"no {RIGHT_NAMES[Action.LEGAL_HOLD]} right on camera '{request.camera_id}'"
            )
