"""Privacy-zone edits: added coverage applies at once; removed coverage waits for a second person.

An edit that would unmask any part of a camera's picture (on the masks, see coverage.py) is
stored as a pending change and takes effect only when another administrator or the privacy
officer confirms it; its requester never can. A pending change expires after CHANGE_LIFETIME,
and a camera has at most one: a later edit of the camera replaces it. Every request, decision
and expiry is written to the access log before it takes effect (the log is written first, then
the request's session commits: SQLite allows one writer at a time).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from csu.errors import Conflict, DomainError, NotFound
from csu.identity.models import User
from privacy.access_log import AccessLog, AccessRecord, Outcome
from privacy.guard import (
    AccessDenied,
    authorise_camera_action,
    no_right,
    refuse_camera_action,
    role_refusal,
)
from privacy.policy import Action
from privacy.rights import Requester
from privacy.zones.coverage import coverage_change
from privacy.zones.models import PrivacyZoneChange, ZoneChangeState
from privacy.zones.store import Zones, save_zones

CHANGE_LIFETIME = timedelta(days=7)
EXPIRED = "privacy.zone_change_expired"
LIST_LIMIT = 200


class ZoneChangeError(DomainError):
    """A change that cannot be carried out; the message says why."""


class ZoneChangeNotFound(ZoneChangeError, NotFound):
    """No change with that id."""


class ZoneChangeClosed(ZoneChangeError, Conflict):
    """The change is no longer pending, or the camera's zones moved on since it was asked for."""


@dataclass(frozen=True)
class ZoneEdit:
    """What an edit did: the zones in force afterwards, and the pending change if one was made."""

    zones: Zones
    pending: PrivacyZoneChange | None


def edit_zones(
    session: Session,
    access_log: AccessLog,
    *,
    editor: Requester,
    camera_id: str,
    before: Zones,
    after: Zones,
    reason: str,
    now: datetime | None = None,
) -> ZoneEdit:
    """Apply an edit that only adds coverage; store one that removes any as a pending change.

    Logged first (denied without the zone-edit right on the camera); the caller burns in
    `zones` when no change is pending.
    """
    now = now or datetime.now(UTC)
    expire_overdue(session, access_log, now=now)
    replaced = _pending_of(session, camera_id)
    coverage = coverage_change(before, after)
    new_id = uuid.uuid4().hex if coverage.removes_coverage else None
    details: dict[str, Any] = {
        "before": before,
        "after": after,
        "effect": "applied" if new_id is None else "pending",
        "unmasked_share": round(coverage.unmasked, 6),
    }
    if new_id is not None:
        details["change"] = new_id
    if replaced is not None:
        details["replaces"] = replaced.id
    authorise_camera_action(
        access_log,
        viewer=editor.viewer,
        action=Action.PRIVACY_ZONE_EDIT,
        camera_id=camera_id,
        client=editor.client,
        reason=reason,
        details=details,
    )
    failed = AccessRecord(
        action=Action.PRIVACY_ZONE_EDIT.value,
        user=editor.user.username,
        role=editor.user.role,
        camera_id=camera_id,
        client=editor.client,
        reason=reason,
        outcome=Outcome.FAILED,
        details=details,
    )
    if replaced is not None:
        replaced_by = f"replaced by a later edit of {editor.user.username}"
        if not _close(session, replaced.id, ZoneChangeState.REPLACED, None, now, replaced_by):
            _fail(session, access_log, failed, f"change '{replaced.id}' was decided meanwhile")
    if new_id is None:
        save_zones(session, user=editor.user, camera_id=camera_id, zones=after)
        _commit(session, access_log, failed)
        return ZoneEdit(zones=after, pending=None)
    pending = PrivacyZoneChange(
        id=new_id,
        camera_id=camera_id,
        state=ZoneChangeState.PENDING.value,
        before=json.dumps(before),
        after=json.dumps(after),
        reason=reason,
        requested_by=editor.user.username,
        requested_at=now,
        expires_at=now + CHANGE_LIFETIME,
    )
    session.add(pending)
    _commit(session, access_log, failed)
    return ZoneEdit(zones=before, pending=pending)


@dataclass(frozen=True)
class Decision:
    """A decided change, and the zones to burn in now when it was confirmed."""

    change: PrivacyZoneChange
    zones: Zones | None


def decide(
    session: Session,
    access_log: AccessLog,
    *,
    change_id: str,
    decider: Requester,
    confirm: bool,
    reason: str,
    zones_in_force: Callable[[str], Zones],
    now: datetime | None = None,
) -> Decision:
    """Confirm or refuse a pending change (logged first); only a confirmation changes zones.

    The requester may refuse (withdraw) their own change but never confirm it; a confirmation
    is refused when the camera's zones are no longer those the change was asked against.
    """
    now = now or datetime.now(UTC)
    expire_overdue(session, access_log, now=now)
    change = _pending(session, change_id)
    details: dict[str, Any] = {
        "change": change.id,
        "decision": "confirmed" if confirm else "refused",
        "requested_by": change.requested_by,
        "request_reason": change.reason,
        "before": json.loads(change.before),
        "after": json.loads(change.after),
    }
    _authorise_decision(access_log, change, decider, confirm, reason, details)
    if confirm and zones_in_force(change.camera_id) != details["before"]:
        raise ZoneChangeClosed(
            f"the zones of camera '{change.camera_id}' changed since change '{change.id}'"
            " was asked for: refuse it and edit the zones again",
            key="errors.zone_change.moved_on",
            camera=change.camera_id,
            change=change.id,
        )
    record = AccessRecord(
        action=Action.PRIVACY_ZONE_CONFIRM.value,
        user=decider.user.username,
        role=decider.user.role,
        camera_id=change.camera_id,
        client=decider.client,
        reason=reason,
        details=details,
    )
    access_log.append(record)
    state = ZoneChangeState.CONFIRMED if confirm else ZoneChangeState.REFUSED
    failed = record.model_copy(update={"outcome": Outcome.FAILED})
    if not _close(session, change.id, state, decider.user.username, now, reason):
        _fail(session, access_log, failed, f"change '{change.id}' was decided meanwhile")
    if confirm:
        save_zones(session, user=decider.user, camera_id=change.camera_id, zones=details["after"])
    _commit(session, access_log, failed)
    decided = session.get(PrivacyZoneChange, change.id, populate_existing=True)
    assert decided is not None
    return Decision(decided, details["after"] if confirm else None)


def changes(
    session: Session,
    access_log: AccessLog,
    *,
    reader: User,
    state: ZoneChangeState | None = ZoneChangeState.PENDING,
    now: datetime | None = None,
) -> list[PrivacyZoneChange]:
    """Changes in that state (every state when None), newest first, for those who decide them."""
    why = role_refusal(reader, Action.PRIVACY_ZONE_CONFIRM)
    if why is not None:
        raise no_right(Action.PRIVACY_ZONE_CONFIRM)
    expire_overdue(session, access_log, now=now or datetime.now(UTC))
    query = select(PrivacyZoneChange)
    if state is not None:
        query = query.where(col(PrivacyZoneChange.state) == state.value)
    query = query.order_by(col(PrivacyZoneChange.requested_at).desc()).limit(LIST_LIMIT)
    return list(session.exec(query))


def expire_overdue(session: Session, access_log: AccessLog, *, now: datetime) -> int:
    """Close every pending change past its expiry, each logged first; how many were closed."""
    query = select(PrivacyZoneChange).where(
        col(PrivacyZoneChange.state) == ZoneChangeState.PENDING.value
    )
    overdue = [c for c in session.exec(query) if c.expires_at <= now]
    for change in overdue:
        access_log.append(
            AccessRecord(
                action=EXPIRED,
                camera_id=change.camera_id,
                details={
                    "change": change.id,
                    "requested_by": change.requested_by,
                    "requested_at": change.requested_at.isoformat(),
                    "expires_at": change.expires_at.isoformat(),
                },
            )
        )
        _close(session, change.id, ZoneChangeState.EXPIRED, None, now, None)
        session.commit()
    return len(overdue)


def _pending_of(session: Session, camera_id: str) -> PrivacyZoneChange | None:
    query = select(PrivacyZoneChange).where(
        col(PrivacyZoneChange.camera_id) == camera_id,
        col(PrivacyZoneChange.state) == ZoneChangeState.PENDING.value,
    )
    return session.exec(query).first()


_CLOSED_WORDS = {
    ZoneChangeState.CONFIRMED.value: "was confirmed already",
    ZoneChangeState.REFUSED.value: "was refused already",
    ZoneChangeState.EXPIRED.value: "has expired",
    ZoneChangeState.REPLACED.value: "was replaced by a later edit",
}


def _pending(session: Session, change_id: str) -> PrivacyZoneChange:
    change = session.get(PrivacyZoneChange, change_id)
    if change is None:
        raise ZoneChangeNotFound(
            f"no privacy-zone change '{change_id}'",
            key="errors.zone_change.unknown",
            change=change_id,
        )
    if change.state != ZoneChangeState.PENDING.value:
        raise ZoneChangeClosed(
            f"change '{change_id}' {_CLOSED_WORDS[change.state]}",
            key=f"errors.zone_change.{change.state}",
            change=change_id,
        )
    return change


def _authorise_decision(
    access_log: AccessLog,
    change: PrivacyZoneChange,
    decider: Requester,
    confirm: bool,
    reason: str,
    details: dict[str, Any],
) -> None:
    why = role_refusal(decider.user, Action.PRIVACY_ZONE_CONFIRM)
    message = no_right(Action.PRIVACY_ZONE_CONFIRM)
    if why is None and confirm and change.requested_by == decider.user.username:
        why = "the requester of a change may not confirm it"
        message = AccessDenied(
            f"change '{change.id}' was asked for by you: another administrator"
            " or the privacy officer must confirm it",
            key="errors.zone_change.own",
            change=change.id,
        )
    if why is not None:
        refuse_camera_action(
            access_log,
            user=decider.user,
            action=Action.PRIVACY_ZONE_CONFIRM,
            camera_id=change.camera_id,
            client=decider.client,
            reason=reason,
            details=details,
            why=why,
            message=message,
        )


def _close(
    session: Session,
    change_id: str,
    state: ZoneChangeState,
    by: str | None,
    at: datetime,
    reason: str | None,
) -> bool:
    # Only a pending change moves, so two deciders racing cannot both win.
    result = session.execute(
        sa.update(PrivacyZoneChange)
        .where(
            col(PrivacyZoneChange.id) == change_id,
            col(PrivacyZoneChange.state) == ZoneChangeState.PENDING.value,
        )
        .values(state=state.value, decided_by=by, decided_at=at, decision_reason=reason)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _commit(session: Session, access_log: AccessLog, failed: AccessRecord) -> None:
    try:
        session.commit()
    except IntegrityError:
        # The one-pending-change index: another edit of the camera won the race.
        _fail(session, access_log, failed, "another edit of the camera was made at the same time")


def _fail(session: Session, access_log: AccessLog, failed: AccessRecord, why: str) -> NoReturn:
    session.rollback()  # before writing the log: SQLite has one writer at a time
    access_log.append(failed.model_copy(update={"details": {**failed.details, "why": why}}))
    raise ZoneChangeClosed(f"{why}: reload and try again", key="errors.zone_change.raced")
