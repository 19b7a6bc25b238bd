"""Who may do what on which camera: pure rules over role, action and authorisations."""

from __future__ import annotations

from collections.abc import Set
from enum import StrEnum

from csu.identity.roles import ALL_CAMERAS, Role


class Action(StrEnum):
    """Everything a user can do that the law cares about."""

    CAMERA_LIST = "camera.list"
    LIVE_VIEW = "video.live"
    SNAPSHOT = "video.snapshot"
    PLAYBACK = "video.playback"
    EXPORT = "video.export"
    LEGAL_HOLD = "video.legal_hold"
    PRIVACY_ZONE_EDIT = "privacy.zone_edit"
    USER_ADMIN = "admin.users"
    RETENTION_ADMIN = "admin.retention"
    AUDIT_READ = "audit.read"
    ALARM_SUBMIT = "alarm.submit"
    ALARM_READ = "alarm.read"
    ALARM_REJECTED_READ = "alarm.rejected_read"
    INCIDENT_READ = "incident.read"
    INCIDENT_ACT = "incident.act"
    WALL_READ = "wall.read"
    WALL_CONTROL = "wall.control"
    CRISIS_READ = "crisis.read"
    CRISIS_ACT = "crisis.act"


# Viewing and exporting are separate rights; the privacy officer never gets video.
_WATCH = {Action.CAMERA_LIST, Action.LIVE_VIEW, Action.SNAPSHOT}
_ALARMS = {Action.ALARM_SUBMIT, Action.ALARM_READ, Action.INCIDENT_READ}
# Walls: operators drive them, the crisis cell looks at them and keeps the crisis log.
_WALLS = {Action.WALL_READ, Action.WALL_CONTROL, Action.CRISIS_READ, Action.CRISIS_ACT}
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.OPERATOR: frozenset(_WATCH | _ALARMS | _WALLS | {Action.PLAYBACK, Action.INCIDENT_ACT}),
    Role.SUPERVISOR: frozenset(
        _WATCH
        | _ALARMS
        | _WALLS
        | {
            Action.PLAYBACK,
            Action.EXPORT,
            Action.LEGAL_HOLD,
            Action.INCIDENT_ACT,
            Action.ALARM_REJECTED_READ,
        }
    ),
    # The crisis cell watches the situation and logs its decisions; it operates nothing.
    Role.CRISIS: frozenset(
        _WATCH
        | {
            Action.ALARM_READ,
            Action.INCIDENT_READ,
            Action.WALL_READ,
            Action.CRISIS_READ,
            Action.CRISIS_ACT,
        }
    ),
    Role.PRIVACY_OFFICER: frozenset({Action.CAMERA_LIST, Action.AUDIT_READ}),
    Role.ADMIN: frozenset(
        _WATCH
        | _ALARMS
        | {
            Action.PRIVACY_ZONE_EDIT,
            Action.USER_ADMIN,
            Action.RETENTION_ADMIN,
            Action.LEGAL_HOLD,
            Action.ALARM_REJECTED_READ,
            Action.WALL_READ,
            Action.WALL_CONTROL,
            Action.CRISIS_READ,
        }
    ),
}

# Roles whose work concerns every camera's metadata, not its pictures.
SEES_ALL_CAMERA_METADATA = frozenset({Role.ADMIN, Role.PRIVACY_OFFICER})

VIDEO_ACTIONS = frozenset(
    {Action.LIVE_VIEW, Action.SNAPSHOT, Action.PLAYBACK, Action.EXPORT, Action.PRIVACY_ZONE_EDIT}
)


def role_allows(role: Role, action: Action) -> bool:
    """True when the role carries the right at all."""
    return action in ROLE_ACTIONS[role]


def camera_allowed(role: Role, action: Action, camera_id: str, granted: Set[str]) -> bool:
    """True when the role has the right and, for a camera action, an unexpired authorisation."""
    if not role_allows(role, action):
        return False
    if action is Action.CAMERA_LIST and role in SEES_ALL_CAMERA_METADATA:
        return True
    return ALL_CAMERAS in granted or camera_id in granted
