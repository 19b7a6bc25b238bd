"""Live-view sessions: who watches which camera over which peer connection, logged start to end.

Every session writes `video.live` to the access log before any picture can flow, and exactly one
`video.live_end` with its duration when it ends (DELETE, connection failed or closed, shutdown).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiortc import (
    RTCPeerConnection,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)

from csu.config.live import LiveConfig
from csu.errors import DomainError, Forbidden, NotFound, TooMany, Unavailable
from csu.identity.roles import Role
from privacy.access_log import AccessLog, AccessLogUnavailable, AccessRecord
from privacy.guard import authorise_camera_action
from privacy.policy import Action
from privacy.renditions import Rendition
from privacy.rights import Viewer
from privacy.rights_watch import RightsWatch
from video.encoding import BroadcastPool
from video.ingest import ProviderLookup
from video.live.ice import IceServers
from video.live.offer import InvalidOffer, check_offer
from video.live.track import PacketTrack

log = logging.getLogger(__name__)

LIVE_END = "video.live_end"


class LiveError(DomainError):
    """A live-view request that cannot be served; the message is shown to the client."""


class CameraNotFound(LiveError, NotFound):
    """No such camera."""


class RenditionUnavailable(LiveError, Unavailable):
    """The camera is not running, or the rendition policy chose is not produced."""


class SessionNotFound(LiveError, NotFound):
    """No such live session (ended already, or never existed)."""


class NotSessionOwner(LiveError, Forbidden):
    """Only the viewer who opened a session, or an admin, may end it."""


class TooManySessions(LiveError, TooMany):
    """The user, or the server, has as many live sessions open or opening as allowed."""

    retry_after_s = 5


@dataclass(frozen=True)
class SessionLimits:
    """How many live sessions may be open or opening at once, per user and in all."""

    per_user: int = 24
    total: int = 300


@dataclass
class LiveSession:
    """One viewer's peer connection to one rendition of a camera."""

    id: str
    camera_id: str
    rendition: Rendition
    username: str
    role: str
    client: str | None
    peer: RTCPeerConnection
    track: PacketTrack
    answer_sdp: str = ""
    started: float = field(default_factory=time.monotonic)
    ended: bool = False
    connect_timer: asyncio.TimerHandle | None = None
    release: Callable[[], None] = lambda: None  # stops the rights watch following it


class LiveService:
    """Opens, tracks and ends WHEP sessions; the pictures come from the shared encoders."""

    def __init__(
        self,
        *,
        camera_exists: Callable[[str], bool],
        providers: ProviderLookup,
        pool: BroadcastPool,
        access_log: AccessLog,
        connect_timeout_s: float = 30.0,
        limits: SessionLimits | None = None,
        watch: RightsWatch | None = None,
        node: str | None = None,
        ice: IceServers | None = None,
    ) -> None:
        self._camera_exists = camera_exists
        # The site's STUN and TURN servers: the browsers are given the same (web.live).
        self.ice = ice or IceServers(LiveConfig())
        # A cluster's worker names itself in each view it logs: at its next start it closes
        # the views it left open, never another worker's.
        self._node = node
        self._providers = providers
        self._log = access_log
        self._connect_timeout_s = connect_timeout_s
        self._limits = limits or SessionLimits()
        self._watch_rights = watch
        # Shared with the recorders: whoever of them needs a rendition keeps its encoder running.
        self.pool = pool
        self._sessions: dict[str, LiveSession] = {}
        # Offers being negotiated, by username: they count against the limits too, so a flood of
        # offers cannot get past them while the first ones are still gathering candidates.
        self._opening: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def session(self, session_id: str) -> LiveSession | None:
        """A live session by id."""
        return self._sessions.get(session_id)

    def sessions(self) -> list[LiveSession]:
        """Every open session."""
        return list(self._sessions.values())

    async def open(
        self,
        camera_id: str,
        offer_sdp: str,
        *,
        viewer: Viewer,
        rendition: Rendition,
        client: str | None,
    ) -> LiveSession:
        """Check the right, answer the offer, log the access; pictures flow once connected.

        Raises CameraNotFound, AccessDenied (denial logged), TooManySessions, InvalidOffer,
        RenditionUnavailable, or AccessLogUnavailable (then nothing is served).
        """
        if not self._camera_exists(camera_id):
            raise CameraNotFound(
                f"unknown camera '{camera_id}'", key="errors.unknown_camera", camera=camera_id
            )
        if not viewer.may(Action.LIVE_VIEW, camera_id):
            # The guard writes the denial and raises AccessDenied naming the missing right.
            await self._authorise(camera_id, viewer, client, {})
        check_offer(offer_sdp)
        provider = self._providers(camera_id, rendition)
        if provider is None:
            raise RenditionUnavailable(
                f"camera '{camera_id}' has no running {rendition.value} rendition",
                key="errors.live.not_running",
                camera=camera_id,
            )
        with self._slot(viewer.username):
            session = await self._negotiate(camera_id, rendition, viewer, client, offer_sdp)
            try:
                # Logged after negotiation so a refused offer leaves no false entry, and before
                # the answer is returned: without it no connection, hence no picture, can exist.
                details = {"rendition": rendition.value, "session": session.id}
                if self._node is not None:
                    details["node"] = self._node
                await self._authorise(camera_id, viewer, client, details)
            except BaseException:
                await session.peer.close()
                raise
            self._sessions[session.id] = session
        self._watch(session)
        self._follow_rights(session, viewer)
        return session

    def count(self, username: str | None = None) -> int:
        """Live sessions open or opening, of one user or in all."""
        if username is None:
            return len(self._sessions) + sum(self._opening.values())
        held = sum(1 for s in self._sessions.values() if s.username == username)
        return held + self._opening.get(username, 0)

    @contextlib.contextmanager
    def _slot(self, username: str) -> Iterator[None]:
        if self.count(username) >= self._limits.per_user:
            raise TooManySessions(
                f"{username} has {self._limits.per_user} live sessions open or opening already;"
                " close one first",
                key="errors.live.user_limit",
                count=self._limits.per_user,
            )
        if self.count() >= self._limits.total:
            raise TooManySessions(
                f"the server has {self._limits.total} live sessions open or opening; try later",
                key="errors.live.server_limit",
                count=self._limits.total,
            )
        self._opening[username] = self._opening.get(username, 0) + 1
        try:
            yield
        finally:
            left = self._opening[username] - 1
            if left:
                self._opening[username] = left
            else:
                del self._opening[username]

    def _follow_rights(self, session: LiveSession, viewer: Viewer) -> None:
        if self._watch_rights is None or viewer.token_hash is None:
            return

        def follow(now: Viewer) -> str | None:
            if now.may(Action.LIVE_VIEW, session.camera_id):
                return None
            return f"live-view right on camera '{session.camera_id}' ended"

        async def end(why: str) -> None:
            await self._end(session, f"right ended: {why}")

        session.release = self._watch_rights.hold(viewer.token_hash, follow, end)

    async def close(
        self, session_id: str, *, camera_id: str, username: str, role: Role | None = None
    ) -> None:
        """End a session of this camera at the viewer's request (its owner, or an admin)."""
        session = self._sessions.get(session_id)
        if session is None or session.camera_id != camera_id:
            raise SessionNotFound(f"no live session '{session_id}'", key="errors.live.no_session")
        if username != session.username and role is not Role.ADMIN:
            raise NotSessionOwner(
                f"live session '{session_id}' belongs to another user", key="errors.live.not_owner"
            )
        await self._end(session, "closed by client")

    async def end_camera(self, camera_id: str, reason: str) -> int:
        """End every session on one camera (logged); how many. Its worker went elsewhere."""
        ending = [s for s in self._sessions.values() if s.camera_id == camera_id]
        for session in ending:
            await self._end(session, reason)
        return len(ending)

    async def stop(self) -> None:
        """End every session (logged): app shutdown (the encoders are the pool owner's to stop)."""
        for session in list(self._sessions.values()):
            await self._end(session, "server shutdown")
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _authorise(
        self, camera_id: str, viewer: Viewer, client: str | None, details: dict[str, Any]
    ) -> None:
        # A synchronous database write: off the event loop, which carries everyone's video.
        await asyncio.to_thread(
            authorise_camera_action,
            self._log,
            viewer=viewer,
            action=Action.LIVE_VIEW,
            camera_id=camera_id,
            client=client,
            details=details,
        )

    async def _negotiate(
        self,
        camera_id: str,
        rendition: Rendition,
        viewer: Viewer,
        client: str | None,
        offer_sdp: str,
    ) -> LiveSession:
        # The site's servers only (none by default): aiortc would otherwise try Google's STUN.
        peer = RTCPeerConnection(self.ice.rtc_configuration())
        track = PacketTrack()
        transceiver = peer.addTransceiver(track, direction="sendonly")
        _prefer_h264(transceiver)
        try:
            await peer.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            # Gathers every local candidate (no trickle in aiortc): quick on a LAN or loopback.
            await peer.setLocalDescription(await peer.createAnswer())
        except Exception as exc:  # aiortc raises ValueError, OperationError, ... on bad offers
            await peer.close()
            raise InvalidOffer(
                f"the offer cannot be answered: {exc}", key="errors.live.offer"
            ) from exc
        return LiveSession(
            id=secrets.token_urlsafe(12),
            camera_id=camera_id,
            rendition=rendition,
            username=viewer.username,
            role=viewer.role.value,
            client=client,
            peer=peer,
            track=track,
            answer_sdp=peer.localDescription.sdp,
        )

    def _watch(self, session: LiveSession) -> None:
        camera_id, rendition = session.camera_id, session.rendition
        loop = asyncio.get_running_loop()

        def on_state() -> None:
            state = session.peer.connectionState
            if state == "connected" and session.connect_timer is not None:
                session.connect_timer.cancel()
                session.connect_timer = None
                provider = self._providers(camera_id, rendition)
                if provider is not None:
                    # Feed only once connected: no packets pile up while ICE and DTLS run.
                    self.pool.attach(camera_id, rendition, provider, session.track)
            elif state in ("failed", "closed"):
                self._spawn(self._end(session, f"connection {state}"))

        session.peer.on("connectionstatechange", on_state)
        session.connect_timer = loop.call_later(
            self._connect_timeout_s,
            lambda: self._spawn(self._end(session, "connection never established")),
        )

    async def _end(self, session: LiveSession, reason: str) -> None:
        if session.ended:
            return
        # Marked before the first await: a second path arriving meanwhile must not log again.
        session.ended = True
        session.release()
        self._sessions.pop(session.id, None)
        if session.connect_timer is not None:
            session.connect_timer.cancel()
        session.track.stop()
        duration = time.monotonic() - session.started
        with contextlib.suppress(Exception):
            await session.peer.close()
        try:
            await self._append(
                live_end_record(
                    user=session.username,
                    role=session.role,
                    camera_id=session.camera_id,
                    client=session.client,
                    session=session.id,
                    reason=reason,
                    duration_s=duration,
                )
            )
        except AccessLogUnavailable:
            log.error("live session %s ended but its end could not be logged", session.id)

    async def _append(self, record: AccessRecord) -> None:
        await asyncio.to_thread(self._log.append, record)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def live_end_record(
    *,
    user: str | None,
    role: str | None,
    camera_id: str | None,
    client: str | None,
    session: str,
    reason: str,
    duration_s: float,
    ended_at: datetime | None = None,
) -> AccessRecord:
    """A view's `video.live_end` entry: who watched which camera, how long, why it ended."""
    details = {"session": session, "reason": reason, "duration_s": round(duration_s, 3)}
    if ended_at is not None:  # logged later than it happened (its process had stopped)
        details["ended_at"] = ended_at.isoformat()
    return AccessRecord(
        action=LIVE_END, user=user, role=role, camera_id=camera_id, client=client, details=details
    )


def _prefer_h264(transceiver: RTCRtpTransceiver) -> None:
    # Our packets are H.264: the answer must not settle on VP8. RTX stays for retransmissions.
    codecs = RTCRtpSender.getCapabilities("video").codecs
    transceiver.setCodecPreferences(
        [c for c in codecs if c.mimeType.lower() in ("video/h264", "video/rtx")]
    )
