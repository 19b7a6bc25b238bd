"""Apply the site file's camera authorisations to existing accounts."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time

from sqlmodel import Session

from csu.config import AuthorisationConfig
from csu.identity import service as identity

log = logging.getLogger(__name__)


def apply_authorisations(session: Session, entries: list[AuthorisationConfig]) -> list[str]:
    """Grant each named user its cameras; returns the usernames that have no account yet."""
    missing = []
    for entry in entries:
        user = identity.get_user(session, username=entry.user)
        if user is None:
            missing.append(entry.user)
            log.warning("site file authorises '%s', who has no account (csu user add)", entry.user)
            continue
        # An authorisation dated D is valid through the whole of day D (UTC).
        expires = datetime.combine(entry.expires, time.max, UTC) if entry.expires else None
        identity.grant_cameras(session, user=user, cameras=entry.cameras, expires_at=expires)
    return missing
