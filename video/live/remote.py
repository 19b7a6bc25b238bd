"""Live view across a cluster: the API node's redirect with a ticket, the worker's admission.

An API node runs no cameras: for a WHEP offer it checks the right (a denial is logged there)
and answers with the owning worker's WHEP URL and a ticket. The worker admits the ticket once,
re-reads the login's rights from the database, and opens the session itself, so the grant is
logged by the node that serves the picture, before it serves it (invariant 2).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from csu.cluster.nodes import NodeInfo
from csu.cluster.tickets import ReplayGuard, TicketRefused, issue, read
from privacy.access_log import AccessLog
from privacy.guard import authorise_camera_action, refusal_reason
from privacy.policy import Action
from privacy.renditions import Rendition
from privacy.rights import CameraRights, Viewer
from video.live.sessions import LiveError

__all__ = ["CameraUnserved", "LiveRedirects", "TicketDoor", "TicketRefused"]


class CameraUnserved(LiveError):
    """No live worker holds the camera now (its worker died and none has taken it yet)."""


class LiveRedirects:
    """Where an API node sends a WHEP offer: the owner's URL with a fresh ticket."""

    def __init__(
        self,
        access_log: AccessLog,
        owner: Callable[[str], NodeInfo | None],
        key: Callable[[], bytes],
    ) -> None:
        self._log = access_log
        self._owner = owner
        self._key = key

    async def redirect(
        self, camera_id: str, viewer: Viewer, rendition: Rendition, client: str | None
    ) -> str:
        """The owning worker's WHEP URL with a ticket; AccessDenied (logged) or CameraUnserved."""
        if refusal_reason(viewer, Action.LIVE_VIEW, camera_id) is not None:
            # Writes the denial, then raises AccessDenied naming what is missing.
            await asyncio.to_thread(
                authorise_camera_action,
                self._log,
                viewer=viewer,
                action=Action.LIVE_VIEW,
                camera_id=camera_id,
                client=client,
            )
        owner = self._owner(camera_id)
        if owner is None or not owner.url:
            raise CameraUnserved(
                f"camera '{camera_id}' is served by no worker right now; retry in a few seconds"
            )
        ticket = issue(
            self._key(),
            user=viewer.username,
            token_hash=viewer.token_hash or "",
            camera=camera_id,
            rendition=rendition.value,
            worker=owner.name,
        )
        return f"{owner.url.rstrip('/')}/api/cameras/{quote(camera_id)}/whep?ticket={ticket}"


@dataclass
class TicketDoor:
    """A worker's check of the tickets API nodes hand out."""

    worker: str
    key: Callable[[], bytes]
    rights: CameraRights
    guard: ReplayGuard = field(default_factory=ReplayGuard)

    async def admit(self, token: str, camera_id: str) -> tuple[Viewer, Rendition]:
        """The viewer and rendition a ticket stands for, used once; TicketRefused otherwise."""
        ticket = read(self.key(), token, worker=self.worker)
        if ticket.camera != camera_id:
            raise TicketRefused(f"ticket is for camera '{ticket.camera}'")
        self.guard.use(ticket)
        found = (await asyncio.to_thread(self.rights.current, [ticket.token_hash]))[
            ticket.token_hash
        ]
        if isinstance(found, str):
            raise TicketRefused(f"the login behind the ticket is over: {found}")
        if found.username != ticket.user:
            raise TicketRefused("ticket does not match its login")
        anonymised = found.anonymised or ticket.rendition == Rendition.ANONYMISED.value
        return found, Rendition.ANONYMISED if anonymised else Rendition.ZONES

    def owner_of(self, token: str, camera_id: str) -> str:
        """The user a ticket names, checked but not spent (closing a session it opened)."""
        ticket = read(self.key(), token, worker=self.worker, check_expiry=False)
        if ticket.camera != camera_id:
            raise TicketRefused(f"ticket is for camera '{ticket.camera}'")
        return ticket.user
