"""WS /api/events: live alarms, incident changes, camera status, PTZ control, crisis changes and
export progress for consoles and the crisis page.

Messages are coalesced per client over a short window, so an alarm storm costs each console a
bounded number of frames (at most one per window): alarm batches merge, and only the latest state
of an incident is sent. The first event after a quiet window is sent at once.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Hashable
from typing import Any

from fastapi import WebSocket

from crisis.events import CrisisChanged
from csu.bus import EventBus
from csu.mailbox import Mailbox
from incidents.events import AlarmsStored, IncidentChanged
from incidents.service import IncidentSummary, shown_alarms, shown_incident
from privacy.policy import Action, CameraScope
from privacy.service import RightsWatch, Viewer
from video.events import CameraStatusChanged
from video.evidence.events import ExportProgress
from video.ptz.events import PtzControlEnded
from web.push import push, session_ended

log = logging.getLogger(__name__)
# At most 40 frames a second per console, and at most 25 ms added to an event's way to the screen:
# the push from receipt must stay under 100 ms at ten thousand alarms a second (issue #4), and a
# 50 ms window took half of that.
FLUSH_S = 0.025


class _Client:
    """One console: what it may see, and what waits to be sent to it."""

    def __init__(self, websocket: WebSocket, viewer: Viewer) -> None:
        self.websocket = websocket
        self.sees_incidents = viewer.has(Action.INCIDENT_READ)
        self.sees_crises = viewer.has(Action.CRISIS_READ)
        self.seen = viewer.seen
        self.exports = viewer.scope(Action.EXPORT)  # whose exports' progress it is told
        # Alarm batches merge, an incident or a camera keeps its latest state, and every ended
        # PTZ control is told (a key of its own).
        self.mailbox: Mailbox[Hashable, dict[str, Any]] = Mailbox()
        self._told = itertools.count()

    def follow(self, viewer: Viewer) -> str | None:
        """Take the user's rights as they are now (the rights watch calls it); never ends.

        When they changed, the console is told to read its cameras and incidents again.
        """
        sees_incidents, seen = viewer.has(Action.INCIDENT_READ), viewer.seen
        self.sees_crises = viewer.has(Action.CRISIS_READ)
        self.exports = viewer.scope(Action.EXPORT)
        if (sees_incidents, seen) != (self.sees_incidents, self.seen):
            self.sees_incidents, self.seen = sees_incidents, seen
            self.mailbox.put("rights", {"type": "rights"})
        return None

    def offer(self, kind: str, message: dict[str, Any]) -> None:
        """Merge one event's message (shared with other consoles: never changed) into what is
        pending."""
        if kind == "camera":
            self.mailbox.put(("camera", message["camera_id"]), message)
        elif kind == "crisis":
            # Every change is told: the page appends a new decision to its live region.
            if self.sees_crises:
                self.mailbox.put(("crisis", next(self._told)), message)
        elif kind == "export":
            # Only the latest state of an export: its bar jumps to where the work is. A case
            # is told to who may export each of its cameras, as it is listed and downloaded.
            cameras = message.get("cameras") or [message["camera_id"]]
            if all(self.exports.allows(camera) for camera in cameras):
                self.mailbox.put(("export", message["export_id"]), message)
        elif kind == "ptz":
            self.mailbox.put(("ptz", next(self._told)), message)
        elif not self.sees_incidents:
            return
        elif kind == "incident":
            self.mailbox.put(("incident", message["incident"]["id"]), message)
        elif kind == "alarms":
            self.mailbox.put("alarms", message, merge=_merge_alarms)


def _merge_alarms(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    listed = (old["alarms"] + new["alarms"])[-AlarmsStored.MAX_LISTED :]
    return {
        "type": "alarms",
        "alarms": listed,
        "total": old["total"] + new["total"],
        "rejected": old["rejected"] + new["rejected"],
    }


class EventHub:
    """Fans bus events out to every connected console."""

    def __init__(self, bus: EventBus, watch: RightsWatch | None = None) -> None:
        self._watch = watch
        self._clients: set[_Client] = set()
        self._unsubscribe: list[Callable[[], None]] = [
            bus.subscribe(AlarmsStored, self._on_alarms, name="ws.alarms"),
            bus.subscribe(IncidentChanged, self._on_incident, name="ws.incidents"),
            bus.subscribe(CameraStatusChanged, self._on_camera, name="ws.cameras"),
            bus.subscribe(PtzControlEnded, self._on_ptz, name="ws.ptz"),
            bus.subscribe(CrisisChanged, self._on_crisis, name="ws.crisis"),
            bus.subscribe(ExportProgress, self._on_export, name="ws.exports"),
        ]

    @property
    def client_count(self) -> int:
        """Consoles connected now."""
        return len(self._clients)

    def close(self) -> None:
        """Stop following the bus."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    async def serve(self, websocket: WebSocket, viewer: Viewer) -> None:
        """Push events to an accepted socket until it goes away, or the user's session ends."""
        client = _Client(websocket, viewer)
        self._clients.add(client)
        release = self._hold(client, viewer)
        try:
            await push(websocket, client.mailbox, _texts, window_s=FLUSH_S)
        finally:
            release()
            self._clients.discard(client)

    def _hold(self, client: _Client, viewer: Viewer) -> Callable[[], None]:
        if self._watch is None or viewer.token_hash is None:
            return lambda: None
        return self._watch.hold(viewer.token_hash, client.follow, session_ended(client.websocket))

    def _on_alarms(self, event: AlarmsStored) -> None:
        def restricted(scope: CameraScope) -> dict[str, Any] | None:
            shown = shown_alarms(scope, event.alarms)
            return _alarms_payload(event.model_copy(update={"alarms": shown})) if shown else None

        self._fan_out("alarms", lambda: _alarms_payload(event), restricted)

    def _on_incident(self, event: IncidentChanged) -> None:
        def restricted(scope: CameraScope) -> dict[str, Any] | None:
            shown = shown_incident(scope, event.incident)
            return None if shown is None else _incident_payload(event, shown)

        self._fan_out("incident", lambda: _incident_payload(event, event.incident), restricted)

    def _on_camera(self, event: CameraStatusChanged) -> None:
        payload = {"camera_id": event.camera_id, "status": event.status, "reason": event.reason}
        self._fan_out(
            "camera", lambda: payload, lambda s: payload if s.allows(event.camera_id) else None
        )

    def _on_ptz(self, event: PtzControlEnded) -> None:
        # Every console of the camera learns it is free or held by another; the one who lost it
        # finds their name and why.
        payload = event.model_dump(mode="json", include={"camera_id", "username", "reason", "by"})
        self._fan_out(
            "ptz", lambda: payload, lambda s: payload if s.allows(event.camera_id) else None
        )

    def _on_crisis(self, event: CrisisChanged) -> None:
        # A crisis names incident ids, no camera: the same message for every reader of crises.
        payload = {"crisis": event.crisis.model_dump(mode="json"), "change": event.change}
        self._fan_out("crisis", lambda: payload, lambda _scope: payload)

    def _on_export(self, event: ExportProgress) -> None:
        # Told to whoever may export the camera (who may read and download the export), by
        # the export right's own scope, not by the cameras the console sees.
        payload = {
            "type": "export",
            **event.model_dump(
                mode="json",
                include={"export_id", "camera_id", "cameras", "user", "state", "percent"},
            ),
        }
        for client in list(self._clients):
            client.offer("export", payload)

    def _fan_out(
        self,
        kind: str,
        everything: Callable[[], dict[str, Any]],
        restricted: Callable[[CameraScope], dict[str, Any] | None],
    ) -> None:
        # Dumped once for every console that sees all cameras, again only for those that do not.
        shared: dict[str, Any] | None = None
        for client in list(self._clients):
            if client.seen.everything:
                shared = shared or {"type": kind, **everything()}
                client.offer(kind, shared)
            elif (payload := restricted(client.seen)) is not None:
                client.offer(kind, {"type": kind, **payload})


def _alarms_payload(event: AlarmsStored) -> dict[str, Any]:
    return event.model_dump(mode="json", include={"alarms", "total", "rejected"})


def _incident_payload(event: IncidentChanged, shown: IncidentSummary) -> dict[str, Any]:
    return {"incident": shown.model_dump(mode="json"), "change": event.change}


def _texts(messages: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(message, default=str) for message in messages]
