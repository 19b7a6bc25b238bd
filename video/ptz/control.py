"""Who controls a PTZ camera: one holder at a time, as pure rules over times passed in.

A holder keeps a camera while they command it; the lock lapses `lock` after their last command.
Someone else may take it over only with a higher priority: a higher role first, then, between
equal roles, being assigned an incident on that camera. Priorities are a total order, so two
people can never take a camera from each other in turn. Each session (who, start, end, presets
used) ends exactly once: released, lapsed or taken over.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from csu.identity.roles import Role

# Roles without PTZ never get this far (privacy.policy refuses them); they rank lowest.
RANKS = {Role.OPERATOR: 1, Role.SUPERVISOR: 2}


@dataclass(frozen=True)
class Operator:
    """Someone asking for a camera: their name, role and whether an incident on it is theirs."""

    username: str
    role: Role
    assignee: bool = False

    @property
    def priority(self) -> tuple[int, bool]:
        """Higher takes over lower; equal never takes over."""
        return (RANKS.get(self.role, 0), self.assignee)


@dataclass(frozen=True)
class Session:
    """One holder's time on one camera."""

    camera_id: str
    holder: Operator
    started: datetime
    last: datetime  # the last command
    presets: tuple[str, ...] = ()  # presets gone to or saved, in order
    commands: int = 1

    def until(self, lock: timedelta) -> datetime:
        """When the lock lapses unless the holder commands again."""
        return self.last + lock


class EndReason(StrEnum):
    """Why a session ended."""

    RELEASED = "released"
    EXPIRED = "expired"
    TAKEN_OVER = "taken_over"
    STOPPED = "stopped"  # csu stopped
    MOVED = "moved"  # the camera went to another worker of a cluster (its control with it)
    CHANGED = "changed"  # an administrator edited the camera (csu.cameras)
    RETIRED = "retired"  # an administrator retired the camera


@dataclass(frozen=True)
class Ended:
    """A session that ended, when and why (and who took the camera, if someone did)."""

    session: Session
    at: datetime
    reason: EndReason
    by: str | None = None


@dataclass(frozen=True)
class Granted:
    """The command may go: the holder's session now, and the session it ended, if any."""

    session: Session
    started: bool
    ended: Ended | None = None


@dataclass(frozen=True)
class Refused:
    """Someone else holds the camera until `until`."""

    holder: Session
    until: datetime


class Arbiter:
    """The holders of every camera; holds no clock (each call says when it is)."""

    def __init__(self, lock: timedelta) -> None:
        self.lock = lock
        self._sessions: dict[str, Session] = {}

    def holder(self, camera_id: str, now: datetime) -> Session | None:
        """The camera's unlapsed session, if any."""
        session = self._sessions.get(camera_id)
        return session if session is not None and now < session.until(self.lock) else None

    def claim(
        self, camera_id: str, who: Operator, now: datetime, *, preset: str | None = None
    ) -> Granted | Refused:
        """One command by `who` on the camera (going to or saving `preset`, if any)."""
        current = self._sessions.get(camera_id)
        presets = (preset,) if preset else ()
        held = current is not None and now < current.until(self.lock)
        if current is not None and held and current.holder.username == who.username:
            session = replace(
                current,
                holder=who,
                last=max(now, current.last),
                presets=current.presets + presets,
                commands=current.commands + 1,
            )
            self._sessions[camera_id] = session
            return Granted(session, started=False)
        ended = None
        if current is not None:
            if now >= current.until(self.lock):
                ended = self._lapsed(current)
            elif who.priority > current.holder.priority:
                ended = Ended(current, now, EndReason.TAKEN_OVER, by=who.username)
            else:
                return Refused(current, current.until(self.lock))
        session = Session(camera_id, who, now, now, presets)
        self._sessions[camera_id] = session
        return Granted(session, started=True, ended=ended)

    def release(self, camera_id: str, username: str, now: datetime) -> Ended | None:
        """The holder lets go; None when they do not hold the camera (or their lock lapsed)."""
        current = self.holder(camera_id, now)
        if current is None or current.holder.username != username:
            return None
        del self._sessions[camera_id]
        return Ended(current, max(now, current.last), EndReason.RELEASED)

    def used(self, camera_id: str, preset: str) -> None:
        """Note a preset the camera's current session used (saved, once its token is known)."""
        session = self._sessions.get(camera_id)
        if session is not None:
            self._sessions[camera_id] = replace(session, presets=(*session.presets, preset))

    def expire(self, now: datetime) -> list[Ended]:
        """End every session whose lock has lapsed by `now`."""
        lapsed = [s for s in self._sessions.values() if now >= s.until(self.lock)]
        for session in lapsed:
            del self._sessions[session.camera_id]
        return [self._lapsed(session) for session in lapsed]

    def end(self, camera_id: str, now: datetime, reason: EndReason) -> Ended | None:
        """End the camera's session for `reason` (lapsed already: as lapsed); None if none."""
        session = self._sessions.pop(camera_id, None)
        if session is None:
            return None
        return (
            self._lapsed(session)
            if now >= session.until(self.lock)
            else Ended(session, now, reason)
        )

    def end_all(self, now: datetime) -> list[Ended]:
        """End every session (csu stops): those still held now, and those lapsed since."""
        ended = [
            self._lapsed(s) if now >= s.until(self.lock) else Ended(s, now, EndReason.STOPPED)
            for s in self._sessions.values()
        ]
        self._sessions.clear()
        return ended

    def _lapsed(self, session: Session) -> Ended:
        return Ended(session, session.until(self.lock), EndReason.EXPIRED)
