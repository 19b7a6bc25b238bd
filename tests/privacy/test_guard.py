"""The guard says why it refuses, and writes that reason in the denied entry."""

from __future__ import annotations

import json

import pytest

from csu.db import Database
from csu.identity.models import User
from csu.identity.roles import ALL_CAMERAS, Role
from privacy.access_log import AccessLog
from privacy.guard import AccessDenied, authorise_camera_action, refusal_reason
from privacy.policy import Action
from privacy.rights import Viewer


def user(role: Role, *, active: bool = True, name: str = "jdupont") -> User:
    """An account as the guard sees it (nothing stored)."""
    return User(username=name, role=role.value, password_hash="x", active=active)


def test_every_refusal_has_a_reason_in_words() -> None:
    """Deactivated account, a role without the right, no authorisation: each said plainly."""

    def why(account: User, action: Action, camera: str, granted: set[str]) -> str | None:
        return refusal_reason(Viewer(account, frozenset(granted)), action, camera)

    operator = user(Role.OPERATOR)
    assert why(operator, Action.PLAYBACK, "cam-1", {"cam-1"}) is None
    assert why(operator, Action.PLAYBACK, "cam-1", {ALL_CAMERAS}) is None
    assert (
        why(user(Role.OPERATOR, active=False), Action.PLAYBACK, "cam-1", {"cam-1"})
        == "account 'jdupont' is deactivated"
    )
    assert why(operator, Action.EXPORT, "cam-1", {"cam-1"}) == (
        "the operator role has no export right"
    )
    assert why(user(Role.PRIVACY_OFFICER), Action.SNAPSHOT, "cam-1", set()) == (
        "the privacy_officer role has no snapshot right"
    )
    assert why(operator, Action.LIVE_VIEW, "cam-2", {"cam-1"}) == (
        "no unexpired authorisation on camera 'cam-2'"
    )


def test_a_denied_entry_carries_why(db: Database) -> None:
    """The denial is logged with the caller's details and the reason; the user is told the right."""
    log = AccessLog(db)
    with pytest.raises(AccessDenied, match="no live-view right on camera 'cam-2'"):
        authorise_camera_action(
            log,
            viewer=Viewer(user(Role.OPERATOR), frozenset({"cam-1"})),
            action=Action.LIVE_VIEW,
            camera_id="cam-2",
            client="127.0.0.1",
            details={"rendition": "zones"},
        )
    [entry] = list(log.entries())
    assert (entry.action, entry.user, entry.outcome) == ("video.live", "jdupont", "denied")
    assert json.loads(entry.details) == {
        "rendition": "zones",
        "why": "no unexpired authorisation on camera 'cam-2'",
    }
