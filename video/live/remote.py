"""Video across a cluster: the API node's redirect with a ticket, the worker's admission.

An API node runs no cameras: for a live view, a snapshot or a playback it checks the right (a
denial is logged there) and answers with the URL of the worker that serves it and a ticket.
The worker admits the ticket once, re-reads the login's rights from the database, and serves
the request itself, so the grant is logged by the node that serves the picture, before it
serves it (invariant 2).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from csu.cluster.nodes import NodeInfo
from csu.cluster.tickets import ReplayGuard, Ticket, TicketRefused, issue, read
from csu.errors import Unavailable
from privacy.access_log import AccessLog
from privacy.guard import authorise_camera_action, refusal_reason
from privacy.policy import Action
from privacy.renditions import Rendition
from privacy.rights import CameraRights, Viewer
from video.live.sessions import LiveError

log = logging.getLogger(__name__)

__all__ = ["CameraUnserved", "LiveRedirects", "TicketDoor", "TicketRefused"]

_PATHS = {
    Action.LIVE_VIEW: "whep",
    Action.SNAPSHOT: "snapshot.jpg",
    Action.PLAYBACK: "playback.mp4",
    Action.PTZ: "ptz",  # forwarded by the API node itself (video.ptz.remote), not redirected
    Action.PTZ_TOUR: "ptz/tour",  # the same
}


class CameraUnserved(LiveError, Unavailable):
    """No live worker serves the camera (or keeps the recording) now."""

    retry_after_s = 2


class LiveRedirects:
    """Where an API node sends a camera request: the serving worker's URL with a fresh ticket."""

    def __init__(
        self,
        access_log: AccessLog,
        owner: Callable[[str], NodeInfo | None],
        worker: Callable[[str], NodeInfo | None],
        key: Callable[[], bytes],
    ) -> None:
        self._log = access_log
        self._owner = owner
        self._worker = worker
        self._key = key

    async def redirect(
        self,
        camera_id: str,
        viewer: Viewer,
        rendition: Rendition,
        client: str | None,
        *,
        action: Action = Action.LIVE_VIEW,
        worker: str | None = None,
        query: Mapping[str, str] | None = None,
        path: str | None = None,
    ) -> str:
        """The serving worker's URL (the camera's owner, or the `worker` named) with a ticket;
        `path`, under the camera, when it is not the action's own (a tour read with `video.ptz`).

        AccessDenied (the denial logged here) when the viewer may not; CameraUnserved when no
        live worker serves it.
        """
        if refusal_reason(viewer, action, camera_id) is not None:
            # Writes the denial, then raises AccessDenied naming what is missing.
            await asyncio.to_thread(
                authorise_camera_action,
                self._log,
                viewer=viewer,
                action=action,
                camera_id=camera_id,
                client=client,
                reason=(query or {}).get("reason"),
            )
        node = self._owner(camera_id) if worker is None else self._worker(worker)
        if node is None or not node.url:
            where = "no worker" if worker is None else f"worker '{worker}', which is down,"
            raise CameraUnserved(
                f"camera '{camera_id}' is served by {where} right now; retry in a few seconds",
                key="errors.live.unserved",
                camera=camera_id,
            )
        ticket = issue(
            self._key(),
            user=viewer.username,
            token_hash=viewer.token_hash or "",
            camera=camera_id,
            rendition=rendition.value,
            worker=node.name,
            action=action.value,
            client=client,
        )
        params = urlencode({**(query or {}), "ticket": ticket})
        route = path or _PATHS[action]
        return f"{node.url.rstrip('/')}/api/cameras/{quote(camera_id)}/{route}?{params}"


@dataclass
class TicketDoor:
    """A worker's check of the tickets API nodes hand out."""

    worker: str
    key: Callable[[], bytes]
    rights: CameraRights
    guard: ReplayGuard = field(default_factory=ReplayGuard)

    async def admit(
        self,
        token: str,
        camera_id: str,
        action: Action = Action.LIVE_VIEW,
        *,
        client: str | None = None,
    ) -> tuple[Viewer, Rendition]:
        """The viewer and rendition a ticket stands for, used once; TicketRefused otherwise
        (logged: a forged or replayed ticket is worth a look)."""
        found, ticket = await self._ticket(token, camera_id, action, client)
        if ticket.rendition == Rendition.PUBLIC.value:  # hides the most: never downgraded
            return found, Rendition.PUBLIC
        anonymised = found.anonymised or ticket.rendition == Rendition.ANONYMISED.value
        return found, Rendition.ANONYMISED if anonymised else Rendition.ZONES

    async def forwarded(
        self, token: str, camera_id: str, action: Action, *, client: str | None
    ) -> tuple[Viewer, str | None]:
        """The viewer of a request an API node forwarded itself, and the address it was asked
        from (the ticket's: the worker sees only the API node); TicketRefused as `admit`."""
        viewer, ticket = await self._ticket(token, camera_id, action, client)
        return viewer, ticket.client or client

    async def _ticket(
        self, token: str, camera_id: str, action: Action, client: str | None
    ) -> tuple[Viewer, Ticket]:
        try:
            return await self._read(token, camera_id, action)
        except TicketRefused as exc:
            log.warning(
                "%s ticket refused for %s from %s: %s", action.value, camera_id, client, exc
            )
            raise

    async def _read(self, token: str, camera_id: str, action: Action) -> tuple[Viewer, Ticket]:
        ticket = read(self.key(), token, worker=self.worker)
        if ticket.camera != camera_id:
            raise TicketRefused(f"ticket is for camera '{ticket.camera}'")
        if ticket.action != action.value:
            raise TicketRefused(f"ticket is for {ticket.action}, not {action.value}")
        self.guard.use(ticket)
        found = (await asyncio.to_thread(self.rights.current, [ticket.token_hash]))[
            ticket.token_hash
        ]
        if isinstance(found, str):
            raise TicketRefused(f"the login behind the ticket is over: {found}")
        if found.username != ticket.user:
            raise TicketRefused("ticket does not match its login")
        return found, ticket

    def owner_of(self, token: str, camera_id: str) -> str:
        """The user a ticket names, checked but not spent (closing a session it opened)."""
        ticket = read(self.key(), token, worker=self.worker, check_expiry=False)
        if ticket.camera != camera_id:
            raise TicketRefused(f"ticket is for camera '{ticket.camera}'")
        return ticket.user
