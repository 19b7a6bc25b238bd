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

A camera's preset tour goes the same way (`.../ptz/tour`): the worker runs it, holding its plan
and where it stands, and checks its stops against the camera's presets. Reading it needs
`video.ptz` and a `video.ptz` ticket; defining, deleting, starting and stopping it need
`video.ptz_tour` too, decided here, and a `video.ptz_tour` ticket, so a ticket for moving the
camera cannot change its tour.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel

from csu.config import CameraConfig
from csu.errors import NotFound, Unavailable
from csu.i18n.reader import READER_LANGUAGE
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
# A tour is read (GET), defined (PUT), deleted, started or stopped (POST).
TourMethod = Literal["GET", "PUT", "DELETE", "POST"]


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

    async def follow_camera(
        self, camera_id: str, config: CameraConfig | None, *, start: bool
    ) -> None:
        """An administrator's change (video.registry.changes): an added dome's requests go to
        the worker that takes it, a retired camera's are refused here (`start` is the
        workers': this node runs no camera)."""
        self._known.discard(camera_id)
        self._ptz.discard(camera_id)
        if config is not None:
            self._known.add(camera_id)
            if config.enabled and config.onvif is not None:
                self._ptz.add(camera_id)

    async def close(self) -> None:
        """Close the connections to the workers."""
        await self._http.aclose()

    async def state(self, viewer: Viewer, camera_id: str, *, client: str | None) -> Forwarded:
        """The owning worker's `GET .../ptz` for the viewer."""
        url = await self._target(viewer, camera_id, client)
        return await self._send(camera_id, self._http.build_request("GET", url))

    async def command(
        self, viewer: Viewer, camera_id: str, command: PtzCommand, *, client: str | None
    ) -> Forwarded:
        """The owning worker's answer to the viewer's command."""
        saving = isinstance(command, SavePreset)
        url = await self._target(
            viewer, camera_id, client, also=Action.PTZ_PRESET_SAVE if saving else None
        )
        body = command.model_dump(mode="json")
        return await self._send(camera_id, self._http.build_request("POST", url, json=body))

    async def tour(
        self,
        viewer: Viewer,
        camera_id: str,
        method: TourMethod,
        body: BaseModel | None = None,
        *,
        client: str | None,
    ) -> Forwarded:
        """The owning worker's answer to the viewer's request on the camera's preset tour:
        GET reads it; PUT (its stops), DELETE and POST (start or stop) change it."""
        url = await self._target(
            viewer,
            camera_id,
            client,
            also=None if method == "GET" else Action.PTZ_TOUR,
            path="ptz/tour",
        )
        json = None if body is None else body.model_dump(mode="json")
        return await self._send(camera_id, self._http.build_request(method, url, json=json))

    async def _target(
        self,
        viewer: Viewer,
        camera_id: str,
        client: str | None,
        *,
        also: Action | None = None,
        path: str | None = None,
    ) -> str:
        """The owner's URL with a ticket, once the request passed what the single process
        checks, in its order: the camera, the right, its PTZ, the right `also` needed (to save
        a preset, to change a tour). The ticket is for `video.ptz_tour` when that right is."""
        if camera_id not in self._known:
            raise NotFound(
                f"no camera '{camera_id}'", key="errors.unknown_camera", camera=camera_id
            )
        await self._refuse_unless(viewer, Action.PTZ, camera_id, client)
        if camera_id not in self._ptz:
            raise NoPtz(
                f"camera '{camera_id}' has no PTZ (no ONVIF settings)",
                key="errors.ptz.none",
                camera=camera_id,
            )
        if also is not None:
            await self._refuse_unless(viewer, also, camera_id, client)
        ticket = Action.PTZ_TOUR if also is Action.PTZ_TOUR else Action.PTZ
        # 503 naming the camera (CameraUnserved) when no live worker holds its lease now.
        return await self._redirects.redirect(
            camera_id, viewer, viewer.rendition(), client, action=ticket, path=path
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
        language = READER_LANGUAGE.get()
        if language is not None:  # the worker words its refusal in the reader's language
            request.headers["Accept-Language"] = language
        try:
            answer = await self._http.send(request)
        except httpx.TransportError as exc:
            raise PtzWorkerSilent(
                f"camera '{camera_id}': its worker at {where} does not answer"
                f" ({type(exc).__name__}); retry in a few seconds",
                key="errors.ptz.worker_silent",
                camera=camera_id,
            ) from exc
        if answer.status_code >= 500 and answer.status_code != 503:
            raise PtzWorkerSilent(
                f"camera '{camera_id}': its worker at {where} failed ({answer.status_code})",
                key="errors.ptz.worker_silent",
                camera=camera_id,
            )
        return Forwarded(answer.status_code, answer.content, answer.headers.get("retry-after"))
