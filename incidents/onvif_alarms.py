"""Cameras' ONVIF events become alarms: each answer a camera gives goes through the real intake."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from incidents.parsing import Channel, Submission
from incidents.service import IntakeResult, QueuedResult

log = logging.getLogger(__name__)

# Where a payload from outside goes: IncidentService.receive (the single process, an API node),
# or a worker's ClusterIntake.receive (the alarm stream).
Receive = Callable[[Submission], Awaitable[IntakeResult | QueuedResult]]


def onvif_intake(receive: Receive) -> Callable[[str, bytes], Awaitable[None]]:
    """The sink of the cameras' event subscriptions: a camera's ONVIF event document is received
    as `POST /api/alarms/onvif?camera={id}` receives it (stored raw, then parsed); a refusal is
    logged, as there is no sender to answer."""

    async def take(camera_id: str, body: bytes) -> None:
        submission = Submission(
            channel=Channel.ONVIF,
            body=body,
            received_at=datetime.now(UTC),
            content_type="application/xml",
            source_hint=camera_id,
        )
        result = await receive(submission)
        if not result.accepted:
            log.error("ONVIF events of camera %s refused: %s", camera_id, result.error)

    return take
