"""The gate every camera access passes: check the right, write the log entry, then serve."""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime
from typing import Any

from csu.identity.models import User
from csu.identity.roles import Role
from privacy.access_log import AccessLog, AccessRecord, Outcome
from privacy.policy import Action, camera_allowed

RIGHT_NAMES: dict[Action, str] = {
    Action.CAMERA_LIST: "camera-list",
    Action.LIVE_VIEW: "live-view",
    Action.SNAPSHOT: "snapshot",
    Action.PLAYBACK: "playback",
    Action.EXPORT: "export",
    Action.LEGAL_HOLD: "legal-hold",
    Action.PRIVACY_ZONE_EDIT: "privacy-zone-edit",
    Action.USER_ADMIN: "user-administration",
    Action.RETENTION_ADMIN: "retention-administration",
    Action.AUDIT_READ: "audit-read",
    Action.ALARM_SUBMIT: "alarm-submit",
    Action.ALARM_READ: "alarm-read",
    Action.ALARM_REJECTED_READ: "rejected-alarm-read",
    Action.INCIDENT_READ: "incident-read",
    Action.INCIDENT_ACT: "incident-action",
    Action.WALL_READ: "wall-read",
    Action.WALL_CONTROL: "wall-control",
    Action.CRISIS_READ: "crisis-read",
    Action.CRISIS_ACT: "crisis-action",
}


class AccessDenied(PermissionError):
    """The user lacks the right; the message names it."""


def authorise_camera_action(
    access_log: AccessLog,
    *,
    user: User,
    granted: Set[str],
    action: Action,
    camera_id: str,
    client: str | None,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
    span: tuple[datetime, datetime] | None = None,
    requisition: str | None = None,
) -> None:
    """Log and allow the action, or log the denial and raise AccessDenied.

    The granted entry is written before the caller serves anything; if it cannot be written,
    AccessLogUnavailable propagates and nothing may be served. `span` is the recorded footage
    asked for (playback, export).
    """
    allowed = user.active and camera_allowed(Role(user.role), action, camera_id, granted)
    record = AccessRecord(
        action=action.value,
        user=user.username,
        role=user.role,
        camera_id=camera_id,
        client=client,
        reason=reason,
        span_start=span[0] if span else None,
        span_end=span[1] if span else None,
        requisition=requisition,
        outcome=Outcome.GRANTED if allowed else Outcome.DENIED,
        details=details or {},
    )
    access_log.append(record)
    if not allowed:
        raise AccessDenied(f"no {RIGHT_NAMES[action]} right on camera '{camera_id}'")
