"""PTZ across a cluster: an API node forwards each request to the worker that owns the camera.

The API node decides the rights as the single process does (privacy.guard: `video.ptz` on the
camera, `video.ptz_preset_save` to save a preset; a denial is logged here), then sends the
request itself to the owner's advertised URL with a ticket for `video.ptz` (user, login,
camera, worker, 30 s, single use, the operator's address), and answers with the worker's answer
as it came: status and JSON body. The worker admits the ticket, reads the login's rights again
and runs the command on its PtzService, where the camera's arbiter and lock live.

Forwarded rather than redirected (as WHEP is): a console's command is a small JSON call sent
many times a second while an operator drags; a redirect would make the browser send each body
twice and across origins, and turn every refusal (409 naming the holder) into a CORS exchange
with the worker. Forwarding keeps one origin and one answer, for browsers and scripts alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from csu.config import CameraConfig
from csu.errors import NotFound, Unavailable
from privacy.access_log import AccessLog
from privacy.guard import refuse_unless_allowed
from privacy.policy import Action
from privacy.rights import Viewer
from video.live.remote import LiveRedirects
from video.onvif.ptz import NoPtz
from video.ptz.commands import PtzCommand, SavePreset

# A worker's own answer may wait on the camera (a connection, then up to three calls of 10 s).
ANSWER_TIMEOUT_S = 60.0
CONNECT_TIMEOUT_S = 3.0


class PtzWorkerSilent(Unavailable):
    """The camera's worker did not answer (it died since its last heartbeat, or is cut off)."""

    retry_after_s = 2


@dataclass(frozen=True)
class Forwarded:
    """The owning worker's answer, to pass on as it is."""

    status: int
    body: bytes
    retry_after: str | None


class PtzRemote:
    """An API node's way to the PTZ of the cameras its cluster's workers own."""

    def __init__(
        self, cameras: Sequence[CameraConfig], access_log: AccessLog, redirects: LiveRedirects
    ) -> None:
        self._known = {c.id for c in cameras}
        self._ptz = {c.id for c in cameras if c.enabled and c.onvif is not None}
        self._log = access_log
        self._redirects = redirects
        timeout = httpx.Timeout(ANSWER_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        self._http = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        """Close the connections to the workers."""
        await self._http.aclose()

    async def state(self, viewer: Viewer, camera_id: str, *, client: str | None) -> Forwarded:
        """The owning worker's `GET .../ptz` for the viewer."""
        url = await self._target(viewer, camera_id, None, client)
        return await self._send(camera_id, self._http.build_request("GET", url))

    async def command(
        self, viewer: Viewer, camera_id: str, command: PtzCommand, *, client: str | None
    ) -> Forwarded:
        """The owning worker's answer to the viewer's command."""
        url = await self._target(viewer, camera_id, command, client)
        body = command.model_dump(mode="json")
        return await self._send(camera_id, self._http.build_request("POST", url, json=body))

    async def _target(
        self, viewer: Viewer, camera_id: str, command: PtzCommand | None, client: str | None
    ) -> str:
        """The owner's URL with a ticket, once the request passed what the single process
        checks, in its order: the camera, the right, its PTZ, the right to save a preset."""
        if camera_id not in self._known:
            raise NotFound(f"no camera '{camera_id}'")
        await self._refuse_unless(viewer, Action.PTZ, camera_id, client)
        if camera_id not in self._ptz:
            raise NoPtz(f"camera '{camera_id}' has no PTZ (no ONVIF settings)")
        if isinstance(command, SavePreset):
            await self._refuse_unless(viewer, Action.PTZ_PRESET_SAVE, camera_id, client)
        # 503 naming the camera (CameraUnserved) when no live worker holds its lease now.
        return await self._redirects.redirect(
            camera_id, viewer, viewer.rendition(), client, action=Action.PTZ
        )

    async def _refuse_unless(
        self, viewer: Viewer, action: Action, camera_id: str, client: str | None
    ) -> None:
        await asyncio.to_thread(
            refuse_unless_allowed,
            self._log,
            viewer=viewer,
            action=action,
            camera_id=camera_id,
            client=client,
        )

    async def _send(self, camera_id: str, request: httpx.Request) -> Forwarded:
        where = urlsplit(str(request.url)).netloc
        try:
            answer = await self._http.send(request)
        except httpx.TransportError as exc:
            raise PtzWorkerSilent(
                f"camera '{camera_id}': its worker at {where} does not answer"
                f" ({type(exc).__name__}); retry in a few seconds"
            ) from exc
        if answer.status_code >= 500 and answer.status_code != 503:
            raise PtzWorkerSilent(
                f"camera '{camera_id}': its worker at {where} failed ({answer.status_code})"
            )
        return Forwarded(answer.status_code, answer.content, answer.headers.get("retry-after"))
