"""Who may do what on which camera: pure rules over role, action and authorisations."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from enum import StrEnum

from csu.errors import Term, term
from csu.identity.roles import ALL_CAMERAS, Role


class Action(StrEnum):
    """Everything a user can do that the law cares about."""

    CAMERA_LIST = "camera.list"
    LIVE_VIEW = "video.live"
    SNAPSHOT = "video.snapshot"
    PLAYBACK = "video.playback"
    EXPORT = "video.export"
    LEGAL_HOLD = "video.legal_hold"
    PTZ = "video.ptz"
    PTZ_PRESET_SAVE = "video.ptz_preset_save"
    PTZ_TOUR = "video.ptz_tour"
    PRIVACY_ZONE_EDIT = "privacy.zone_edit"
    PRIVACY_ZONE_CONFIRM = "privacy.zone_confirm"
    USER_ADMIN = "admin.users"
    RETENTION_ADMIN = "admin.retention"
    CAMERA_ADMIN = "admin.cameras"
    AUDIT_READ = "audit.read"
    ALARM_SUBMIT = "alarm.submit"
    ALARM_READ = "alarm.read"
    ALARM_REJECTED_READ = "alarm.rejected_read"
    INCIDENT_READ = "incident.read"
    INCIDENT_ACT = "incident.act"
    WALL_READ = "wall.read"
    WALL_CONTROL = "wall.control"
    WALL_SALVO = "wall.salvo"
    CRISIS_READ = "crisis.read"
    CRISIS_ACT = "crisis.act"
    CLUSTER_READ = "cluster.read"
    REQUISITION_MANAGE = "requisition.manage"
    REQUISITION_READ = "requisition.read"
    # The ethics committee's report (register of recordings, accesses, requisitions).
    ETHICS_REPORT = "report.ethics"
    # Moderating the Forum visitors' remarks (publish, refuse, export for the services).
    REMARK_MODERATE = "remark.moderate"
    FORUM_VIEW = "forum.view"


# Each right's name in what users are told ("no playback right on camera ...").
RIGHT_NAMES: dict[Action, str] = {
    Action.CAMERA_LIST: "camera-list",
    Action.LIVE_VIEW: "live-view",
    Action.SNAPSHOT: "snapshot",
    Action.PLAYBACK: "playback",
    Action.EXPORT: "export",
    Action.LEGAL_HOLD: "legal-hold",
    Action.PTZ: "ptz",
    Action.PTZ_PRESET_SAVE: "ptz-preset-save",
    Action.PTZ_TOUR: "ptz-tour",
    Action.PRIVACY_ZONE_EDIT: "privacy-zone-edit",
    Action.PRIVACY_ZONE_CONFIRM: "privacy-zone-confirm",
    Action.USER_ADMIN: "user-administration",
    Action.RETENTION_ADMIN: "retention-administration",
    Action.CAMERA_ADMIN: "camera-administration",
    Action.AUDIT_READ: "audit-read",
    Action.ALARM_SUBMIT: "alarm-submit",
    Action.ALARM_READ: "alarm-read",
    Action.ALARM_REJECTED_READ: "rejected-alarm-read",
    Action.INCIDENT_READ: "incident-read",
    Action.INCIDENT_ACT: "incident-action",
    Action.WALL_READ: "wall-read",
    Action.WALL_CONTROL: "wall-control",
    Action.WALL_SALVO: "wall-salvo",
    Action.CRISIS_READ: "crisis-read",
    Action.CRISIS_ACT: "crisis-action",
    Action.CLUSTER_READ: "cluster-read",
    Action.REQUISITION_MANAGE: "requisition-management",
    Action.REQUISITION_READ: "requisition-read",
    Action.ETHICS_REPORT: "ethics-report",
    Action.REMARK_MODERATE: "remark-moderation",
    Action.FORUM_VIEW: "forum-view",
}


def right_term(action: Action) -> Term:
    """The right's name as a refusal says it to people (errors.right.live_view...)."""
    return term(f"errors.right.{RIGHT_NAMES[action].replace('-', '_')}")


# Viewing and exporting are separate rights; the privacy officer never gets video.
_WATCH = {Action.CAMERA_LIST, Action.LIVE_VIEW, Action.SNAPSHOT}
_ALARMS = {Action.ALARM_SUBMIT, Action.ALARM_READ, Action.INCIDENT_READ}
# Walls: operators drive them, the crisis cell looks at them and keeps the crisis log.
_WALLS = {
    Action.WALL_READ,
    Action.WALL_CONTROL,
    Action.WALL_SALVO,
    Action.CRISIS_READ,
    Action.CRISIS_ACT,
}
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.OPERATOR: frozenset(
        _WATCH | _ALARMS | _WALLS | {Action.PLAYBACK, Action.INCIDENT_ACT, Action.PTZ}
    ),
    Role.SUPERVISOR: frozenset(
        _WATCH
        | _ALARMS
        | _WALLS
        | {
            Action.PLAYBACK,
            Action.EXPORT,
            Action.LEGAL_HOLD,
            Action.INCIDENT_ACT,
            # Moving a camera is an operator's; saving where it points for everyone, and setting
            # the tour it follows while nobody holds it, a supervisor's.
            Action.PTZ,
            Action.PTZ_PRESET_SAVE,
            Action.PTZ_TOUR,
            Action.ALARM_REJECTED_READ,
            Action.CLUSTER_READ,
            # The requisitions register: supervisors keep it, the privacy officer reads it.
            Action.REQUISITION_MANAGE,
            Action.REQUISITION_READ,
            Action.REMARK_MODERATE,
        }
    ),
    # The crisis cell watches the situation and logs its decisions; it operates nothing but
    # the recall of a wall's saved layouts (salvos), which operators prepared for it.
    Role.CRISIS: frozenset(
        _WATCH
        | {
            Action.ALARM_READ,
            Action.INCIDENT_READ,
            Action.WALL_READ,
            Action.WALL_SALVO,
            Action.CRISIS_READ,
            Action.CRISIS_ACT,
        }
    ),
    # Confirming a privacy-zone change is judged on its geometry, never on a picture.
    Role.PRIVACY_OFFICER: frozenset(
        {
            Action.CAMERA_LIST,
            Action.AUDIT_READ,
            Action.PRIVACY_ZONE_CONFIRM,
            Action.REQUISITION_READ,
            Action.ETHICS_REPORT,
        }
    ),
    Role.ADMIN: frozenset(
        _WATCH
        | _ALARMS
        | {
            Action.PRIVACY_ZONE_EDIT,
            Action.PRIVACY_ZONE_CONFIRM,
            Action.USER_ADMIN,
            Action.RETENTION_ADMIN,
            Action.CAMERA_ADMIN,
            Action.LEGAL_HOLD,
            Action.ALARM_REJECTED_READ,
            Action.CLUSTER_READ,
            Action.WALL_READ,
            Action.WALL_CONTROL,
            Action.WALL_SALVO,
            Action.CRISIS_READ,
            Action.ETHICS_REPORT,
            Action.REMARK_MODERATE,
        }
    ),
    # The Forum's public kiosk sees the delayed, per-district rendition of the city, nothing else.
    Role.PUBLIC_DISPLAY: frozenset({Action.FORUM_VIEW}),
}

# Kiosk roles are confined: no general route (session, cameras, preferences...) lets them in,
# only the routes made for one of their rights. The web layer asks `confined` once per request.
CONFINED_ROLES = frozenset({Role.PUBLIC_DISPLAY})

# Roles whose work concerns every camera's metadata, not its pictures.
SEES_ALL_CAMERA_METADATA = frozenset({Role.ADMIN, Role.PRIVACY_OFFICER})

VIDEO_ACTIONS = frozenset(
    {Action.LIVE_VIEW, Action.SNAPSHOT, Action.PLAYBACK, Action.EXPORT, Action.PRIVACY_ZONE_EDIT}
)


def confined(role: Role) -> bool:
    """True for a kiosk's role: it may use only the routes made for its own rights."""
    return role in CONFINED_ROLES


def role_allows(role: Role, action: Action) -> bool:
    """True when the role carries the right at all."""
    return action in ROLE_ACTIONS[role]


@dataclass(frozen=True)
class CameraScope:
    """The cameras one right reaches for one user: every camera (None), or these."""

    cameras: frozenset[str] | None

    @property
    def everything(self) -> bool:
        """True when no camera is outside the scope."""
        return self.cameras is None

    def allows(self, camera_id: str) -> bool:
        """True when the camera is in the scope."""
        return self.cameras is None or camera_id in self.cameras


EVERY_CAMERA = CameraScope(None)
NO_CAMERA = CameraScope(frozenset())


def camera_scope(role: Role, action: Action, granted: Set[str]) -> CameraScope:
    """The cameras a role with these unexpired authorisations may act on with this right."""
    if not role_allows(role, action):
        return NO_CAMERA
    if action is Action.CAMERA_LIST and role in SEES_ALL_CAMERA_METADATA:
        return EVERY_CAMERA
    if ALL_CAMERAS in granted:
        return EVERY_CAMERA
    return CameraScope(frozenset(granted))


def camera_allowed(role: Role, action: Action, camera_id: str, granted: Set[str]) -> bool:
    """True when the role has the right and, for a camera action, an unexpired authorisation."""
    return camera_scope(role, action, granted).allows(camera_id)
