"""Incident clips: a covering camera's recording from before to after the alarm, on the timeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from csu.db import Database
from csu.migrate import upgrade
from incidents.clips import Clip, ClipPolicy
from incidents.correlation import Correlator
from incidents.engine import IncidentEngine
from incidents.service import incident_detail
from tests.incidents.test_engine import CAMERA, alarm, sub


@pytest.fixture
def engine_and_clips(database_url: str) -> Iterator[tuple[IncidentEngine, Database, list[Clip]]]:
    """An engine whose one camera records with 10 s before and 30 s after each alarm."""
    db = Database(database_url)
    upgrade(db.engine)
    handed: list[Clip] = []
    engine = IncidentEngine(
        db,
        lambda _event: None,
        Correlator(cameras=[CAMERA]),
        clips=ClipPolicy({CAMERA.camera_id: (10.0, 30.0)}),
        on_clip=handed.append,
    )
    engine.start()
    yield engine, db, handed
    engine.stop()
    db.dispose()


def test_attached_camera_gets_a_clip_entry_around_the_alarm(
    engine_and_clips: tuple[IncidentEngine, Database, list[Clip]],
) -> None:
    engine, db, handed = engine_and_clips
    result = engine.submit(sub(alarm("LUM-CLIP"))).result(timeout=10)
    incident_id = result.alarms[0].incident_id
    assert incident_id is not None
    with db.session() as session:
        detail = incident_detail(session, incident_id)
    assert detail is not None
    assert [e.kind for e in detail.timeline] == ["alarm_received", "camera_attached", "clip"]
    data = json.loads(detail.timeline[-1].data)
    occurred = result.alarms[0].occurred_at
    start, end = datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"])
    assert data["camera_id"] == CAMERA.camera_id
    assert start == occurred - timedelta(seconds=10) and end == occurred + timedelta(seconds=30)
    # Handed to the recorder once committed, with the same span.
    assert handed == [Clip(incident_id, CAMERA.camera_id, start, end)]


def test_cameras_without_recording_get_no_clip() -> None:
    policy = ClipPolicy({"cam-a": (5.0, 20.0)})
    at = datetime.fromisoformat("2026-11-25T10:00:00+00:00")
    assert policy.clip(1, "cam-b", at) is None
    clip = policy.clip(1, "cam-a", at)
    assert clip is not None and (clip.end - clip.start).total_seconds() == 25
