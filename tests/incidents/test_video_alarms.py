"""Camera outages reach incidents as alarms through the real intake."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from csu.bus import EventBus
from csu.db import Database
from csu.migrate import upgrade
from incidents.coverage import CameraCone
from incidents.geo import LonLat
from incidents.parsing import Channel, Submission
from incidents.service import IncidentService, incident_detail, list_alarms
from incidents.video_alarms import forward_video_loss
from video.events import VideoLoss, VideoRestored

CAMERA = CameraCone("cam-lenepveu-1", LonLat(-0.55265, 47.47227), 90, 65, 60)


async def test_loss_and_restore_become_one_alarm_on_the_feeder_incident(database_url: str) -> None:
    """A feeder down, then that street's camera goes dark and comes back: one incident."""
    db = Database(database_url)
    upgrade(db.engine)
    bus = EventBus()
    await bus.start()
    service = IncidentService(db, bus, [CAMERA])
    await service.start()
    forward_video_loss(bus, service, lambda cid: "Rue Lenepveu")
    try:
        feeder = {
            "source": "hypervisor",
            "external_id": "LUM-77",
            "type": "lighting.feeder_down",
            "occurred_at": (datetime.now(UTC) - timedelta(minutes=2)).isoformat(),
            "location": {"type": "Point", "coordinates": [-0.5524, 47.4723]},
        }
        result = await service.submit(
            Submission(Channel.HTTP_JSON, json.dumps(feeder).encode(), datetime.now(UTC))
        )
        incident_id = result.alarms[0].incident_id
        since = datetime.now(UTC) - timedelta(seconds=40)
        bus.publish(
            VideoLoss(camera_id="cam-lenepveu-1", offline_since=since, reason="Connection refused")
        )
        await bus.drain()
        bus.publish(
            VideoRestored(camera_id="cam-lenepveu-1", offline_since=since, offline_for_s=45.0)
        )
        await bus.drain()
        await asyncio.to_thread(
            lambda: service.engine.submit(
                Submission(Channel.HTTP_JSON, b"{}", datetime.now(UTC))
            ).result(5)
        )  # a barrier
        with db.session() as s:
            rows, _ = list_alarms(s, type_="video.loss")
            assert len(rows) == 1
            loss = rows[0]
            assert loss.status == "cleared" and loss.update_count == 1
            assert loss.incident_id == incident_id and loss.camera_id == "cam-lenepveu-1"
            # The site speaks French (the default): csu's own text is in it.
            assert (
                "Rue Lenepveu : vidéo perdue (Connection refused)" in loss.description
                or "Rue Lenepveu : vidéo rétablie après 45 s" in loss.description
            )
            detail = incident_detail(s, incident_id)
            assert detail is not None
            assert "video_event" in [e.kind for e in detail.timeline]
    finally:
        await service.stop()
        await bus.stop()
        db.dispose()
