"""Camera authorisations as logged data: a snapshot, and the entries a change between two makes."""

from __future__ import annotations

from sqlmodel import Session, col, select

from csu.identity.models import CameraGrant, User
from privacy.access_log.models import AccessRecord

GRANTS_CHANGED = "admin.grants_changed"

Grants = dict[str, dict[str, str | None]]  # username -> camera id -> expiry (ISO, UTC) or None


def grant_snapshot(session: Session) -> Grants:
    """Every user's camera authorisations with their expiry."""
    found: Grants = {}
    rows = session.exec(
        select(User.username, CameraGrant.camera_id, CameraGrant.expires_at).join(
            CameraGrant,
            col(CameraGrant.user_id) == col(User.id),
        )
    )
    for username, camera_id, expires_at in rows:
        expiry = expires_at.isoformat() if expires_at is not None else None
        found.setdefault(username, {})[camera_id] = expiry
    return found


def grant_changes(before: Grants, after: Grants, *, source: str) -> list[AccessRecord]:
    """One entry per user whose authorisations differ, with before and after."""
    return [
        AccessRecord(
            action=GRANTS_CHANGED,
            details={
                "username": username,
                "before": before.get(username, {}),
                "after": after.get(username, {}),
                "source": source,
            },
        )
        for username in sorted(set(before) | set(after))
        if before.get(username, {}) != after.get(username, {})
    ]
