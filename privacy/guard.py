"""The gate every camera access passes: check the right, write the log entry, then serve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from csu.errors import Forbidden
from csu.identity.models import User
from csu.identity.roles import Role
from privacy.access_log import AccessLog, AccessRecord, Outcome
from privacy.policy import RIGHT_NAMES, Action, right_term, role_allows
from privacy.rights import Viewer


class AccessDenied(Forbidden, PermissionError):
    """The user lacks the right; the message names it."""


def no_right(action: Action, camera_id: str | None = None) -> AccessDenied:
    """The refusal for a missing right, on one camera or at all."""
    right = RIGHT_NAMES[action]
    if camera_id is None:
        return AccessDenied(f"no {right} right", key="errors.no_right", right=right_term(action))
    return AccessDenied(
        f"no {right} right on camera '{camera_id}'",
        key="errors.no_right_on_camera",
        right=right_term(action),
        camera=camera_id,
    )


def role_refusal(user: User, action: Action) -> str | None:
    """Why the account may not take this action at all, in words; None when its role may."""
    if not user.active:
        return f"account '{user.username}' is deactivated"
    if not role_allows(Role(user.role), action):
        return f"the {user.role} role has no {RIGHT_NAMES[action]} right"
    return None


def refusal_reason(viewer: Viewer, action: Action, camera_id: str) -> str | None:
    """Why the policy refuses the action on the camera, in words; None when it allows it."""
    why = role_refusal(viewer.user, action)
    if why is None and not viewer.may(action, camera_id):
        why = f"no unexpired authorisation on camera '{camera_id}'"
    return why


def authorise_camera_action(
    access_log: AccessLog,
    *,
    viewer: Viewer,
    action: Action,
    camera_id: str,
    client: str | None,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
    span: tuple[datetime, datetime] | None = None,
    requisition: str | None = None,
    logged_as: str | None = None,
) -> None:
    """Log and allow the action, or log the denial (with why) and raise AccessDenied.

    The granted entry is written before the caller serves anything; if it cannot be written,
    AccessLogUnavailable propagates and nothing may be served. `span` is the recorded footage
    asked for (playback, export); `logged_as` names the entry when it is not the right's own
    name (releasing a hold needs the legal-hold right).
    """
    request = _CameraRequest(
        viewer.user, action, camera_id, client, reason, span, requisition, logged_as
    )
    why = refusal_reason(viewer, action, camera_id)
    if why is not None:
        _deny(access_log, request, why=why, message=no_right(action, camera_id), details=details)
    access_log.append(request.record(Outcome.GRANTED, details or {}))


def refuse_camera_action(
    access_log: AccessLog,
    *,
    user: User,
    action: Action,
    camera_id: str,
    client: str | None,
    why: str,
    message: str | AccessDenied,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
    span: tuple[datetime, datetime] | None = None,
) -> NoReturn:
    """Log a refusal the policy table does not express (e.g. an anonymised view), then raise.

    `why` goes to the log for the privacy officer; `message` is what the user is told.
    """
    request = _CameraRequest(user, action, camera_id, client, reason, span, None)
    _deny(access_log, request, why=why, message=message, details=details)


def refuse_unless_allowed(
    access_log: AccessLog,
    *,
    viewer: Viewer,
    action: Action,
    camera_id: str,
    client: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """For reads that show no picture: log and raise a refusal; an allowed read goes unlogged."""
    why = refusal_reason(viewer, action, camera_id)
    if why is not None:
        request = _CameraRequest(viewer.user, action, camera_id, client, None, None, None)
        _deny(access_log, request, why=why, message=no_right(action, camera_id), details=details)


@dataclass(frozen=True)
class _CameraRequest:
    """Who asks for what on which camera, as the access log records it."""

    user: User
    action: Action
    camera_id: str
    client: str | None
    reason: str | None
    span: tuple[datetime, datetime] | None
    requisition: str | None
    logged_as: str | None = None

    def record(self, outcome: Outcome, details: dict[str, Any]) -> AccessRecord:
        """The access-log record of this request with the given outcome."""
        return AccessRecord(
            action=self.logged_as or self.action.value,
            user=self.user.username,
            role=self.user.role,
            camera_id=self.camera_id,
            client=self.client,
            reason=self.reason,
            span_start=self.span[0] if self.span else None,
            span_end=self.span[1] if self.span else None,
            requisition=self.requisition,
            outcome=outcome,
            details=details,
        )


def _deny(
    access_log: AccessLog,
    request: _CameraRequest,
    *,
    why: str,
    message: str | AccessDenied,
    details: dict[str, Any] | None = None,
) -> NoReturn:
    """Write the denied entry with why, then raise AccessDenied with the user's message."""
    access_log.append(request.record(Outcome.DENIED, {**(details or {}), "why": why}))
    raise message if isinstance(message, AccessDenied) else AccessDenied(message)
