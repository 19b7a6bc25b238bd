"""One place decides what a user may do on which camera: the Viewer, resolved once per request.

Routes, streams and services ask the Viewer; none reads authorisations on its own. Its rights
are read from the database when its token is first seen and then at most a few seconds old
(CameraRights); what holds a right for longer than a request (a live stream, an event stream) is
checked again by the RightsWatch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from csu.db import Database
from csu.events import Event
from csu.identity import service as identity
from csu.identity.events import RightsEnded
from csu.identity.models import User
from csu.identity.roles import Role
from csu.identity.token_cache import TokenCache
from privacy.policy import NO_CAMERA, Action, CameraScope, camera_scope, role_allows
from privacy.renditions import Rendition, rendition_for


@dataclass(frozen=True)
class Viewer:
    """A signed-in user with the cameras they are authorised on now."""

    user: User
    cameras: frozenset[str]
    token_hash: str | None = None
    changes_at: datetime | None = None  # when the next of its authorisations expires

    @property
    def username(self) -> str:
        """The account's name."""
        return self.user.username

    @property
    def role(self) -> Role:
        """The account's role."""
        return Role(self.user.role)

    @property
    def anonymised(self) -> bool:
        """True for accounts that may only ever see the anonymised rendition."""
        return self.user.anonymised_view

    def rendition(self, *, anonymised_display: bool = False) -> Rendition:
        """The rendition policy gives this user (on a display configured anonymised, that one);
        the client never chooses."""
        return rendition_for(
            anonymised_viewer=self.anonymised, anonymised_display=anonymised_display
        )

    def has(self, action: Action) -> bool:
        """True when the role carries the right at all (camera or not)."""
        return self.user.active and role_allows(self.role, action)

    def scope(self, action: Action) -> CameraScope:
        """The cameras this right reaches for this user now."""
        if not self.user.active:
            return NO_CAMERA
        return camera_scope(self.role, action, self.cameras)

    def may(self, action: Action, camera_id: str) -> bool:
        """True when the right holds on this camera now."""
        return self.scope(action).allows(camera_id)

    @property
    def seen(self) -> CameraScope:
        """The cameras that may appear to this user at all (names, status, incidents, alarms)."""
        return self.scope(Action.CAMERA_LIST)

    def sees(self, camera_id: str) -> bool:
        """True when the camera may appear to this user at all."""
        return self.seen.allows(camera_id)

    @property
    def sees_every_camera(self) -> bool:
        """True when no camera is hidden from this user (a quick path for filters)."""
        return self.seen.everything

    def visible(self, camera_ids: Iterable[str]) -> list[str]:
        """The cameras of this list the user may see, in order."""
        if self.sees_every_camera:
            return list(camera_ids)
        return [c for c in camera_ids if self.sees(c)]


@dataclass(frozen=True)
class Requester:
    """Who asks (with the cameras they may act on), from where: what the access log records."""

    viewer: Viewer
    client: str | None

    @property
    def user(self) -> User:
        """The asking account."""
        return self.viewer.user


def viewer_of(session: Session, user: User, token_hash: str | None = None) -> Viewer:
    """The user's rights as the database holds them now."""
    grants = identity.active_grants(session, user=user)
    changes_at = min((until for until in grants.values() if until is not None), default=None)
    return Viewer(user, frozenset(grants), token_hash, changes_at)


class CameraRights:
    """Resolves tokens to Viewers, and announces rights that end early."""

    def __init__(
        self, db: Database, publish: Callable[[Event], None], *, cache_s: float = 5.0
    ) -> None:
        self._db = db
        self._publish = publish
        self._cache: TokenCache[Viewer] = TokenCache(ttl_s=cache_s)

    def cached(self, token: str) -> Viewer | None:
        """The Viewer of a token seen in the last few seconds (no database read)."""
        return self._cache.get(token)

    def resolve(self, token: str) -> Viewer | None:
        """The Viewer behind a bearer token, or None; blocking: call it off the event loop."""
        viewer = self._cache.get(token)
        if viewer is not None:
            return viewer
        token_hash = identity.token_digest(token)
        # A session of its own, closed before the caller goes on: no request may hold a pooled
        # connection while it waits on the network.
        with self._db.session() as session:
            user, _why = identity.token_holder(session, token_hash=token_hash)
            if user is None:
                return None
            viewer = viewer_of(session, user, token_hash)
        # Never remembered past the moment one of its authorisations expires.
        until = viewer.changes_at
        lifetime = None if until is None else (until - datetime.now(UTC)).total_seconds()
        self._cache.put(token, viewer, ttl_s=lifetime)
        return viewer

    def current(self, token_hashes: Iterable[str]) -> dict[str, Viewer | str]:
        """For each login session: its Viewer now, or why it is over (for the RightsWatch)."""
        out: dict[str, Viewer | str] = {}
        with self._db.session() as session:
            for token_hash in dict.fromkeys(token_hashes):
                user, why = identity.token_holder(session, token_hash=token_hash)
                out[token_hash] = viewer_of(session, user, token_hash) if user else why or "?"
        return out

    def logout(self, token: str, *, username: str) -> None:
        """End one login session and everything that depended on it."""
        with self._db.session() as session:
            identity.revoke_token(session, token=token)
        self._cache.forget(token)
        self._publish(RightsEnded(username=username, reason="logged out"))

    def ended(self, *, username: str, reason: str) -> None:
        """Rights of this account ended or shrank (deactivation, authorisations changed)."""
        self._cache.clear()
        self._publish(RightsEnded(username=username, reason=reason))
