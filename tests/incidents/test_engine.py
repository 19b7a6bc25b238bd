"""The incident engine on real databases: raw first, upserts, correlation, actions, restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from csu.db import Database
from csu.events import Event
from csu.migrate import upgrade
from incidents.commands import ActionName, CommandError, IncidentCommand
from incidents.correlation import Correlator
from incidents.coverage import CameraCone
from incidents.engine import IncidentEngine
from incidents.events import AlarmsStored, IncidentChanged
from incidents.geo import LonLat
from incidents.models import IncidentStatus
from incidents.parsing import Channel, Submission
from incidents.rejected import list_rejected
from incidents.service import incident_detail, list_alarms

CAMERA = CameraCone("cam-lenepveu-1", LonLat(-0.55265, 47.47227), 90, 65, 60)


def alarm(
    ext: str,
    type_: str = "lighting.feeder_down",
    *,
    lon: float = -0.5524,
    lat: float = 47.4723,
    severity: str = "high",
    **extra: object,
) -> bytes:
    """csu's own alarm JSON."""
    body = {
        "source": "hypervisor",
        "external_id": ext,
        "type": type_,
        "severity": severity,
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "description": f"alarm {ext}",
        "location": {"type": "Point", "coordinates": [lon, lat]},
        **extra,
    }
    return json.dumps(body).encode()


def sub(body: bytes, channel: Channel = Channel.HTTP_JSON, **kw: object) -> Submission:
    """A payload as received now."""
    return Submission(channel=channel, body=body, received_at=datetime.now(UTC), **kw)  # type: ignore[arg-type]


class Engine:
    """A started engine with the events it published."""

    def __init__(self, url: str) -> None:
        self.db = Database(url)
        upgrade(self.db.engine)
        self.events: list[Event] = []
        self.engine = IncidentEngine(self.db, self.events.append, Correlator(cameras=[CAMERA]))
        self.engine.start()

    def send(self, body: bytes, **kw: object):  # type: ignore[no-untyped-def]
        return self.engine.submit(sub(body, **kw)).result(timeout=10)

    def act(self, **kw: object):  # type: ignore[no-untyped-def]
        return self.engine.command(IncidentCommand(**kw)).result(timeout=10)  # type: ignore[arg-type]

    def close(self) -> None:
        self.engine.stop()
        self.db.dispose()


@pytest.fixture
def eng(database_url: str) -> Iterator[Engine]:
    """An engine on an empty database."""
    e = Engine(database_url)
    yield e
    e.close()


def test_an_alarm_opens_an_incident_with_procedure_cameras_and_timeline(eng: Engine) -> None:
    """A feeder-down near a camera opens an incident that names the camera and its checklist."""
    result = eng.send(alarm("LUM-1"))
    assert result.accepted and result.alarms[0].created
    incident_id = result.alarms[0].incident_id
    with eng.db.session() as s:
        detail = incident_detail(s, incident_id)
        assert detail is not None
        assert detail.incident.type == "lighting.feeder_down"
        assert detail.incident.severity == "high" and detail.incident.status == "new"
        assert detail.incident.cameras == ["cam-lenepveu-1"]
        assert len(detail.incident.procedure) >= 3
        kinds = [e.kind for e in detail.timeline]
        assert kinds == ["alarm_received", "camera_attached"]
    changed = [e for e in eng.events if isinstance(e, IncidentChanged)]
    assert changed[0].change == "opened" and changed[0].incident.cameras == ["cam-lenepveu-1"]


def test_resending_updates_and_never_duplicates(eng: Engine) -> None:
    """The same source and external id update the alarm row."""
    first = eng.send(alarm("LUM-2"))
    again = eng.send(alarm("LUM-2", severity="critical"))
    assert again.alarms[0].id == first.alarms[0].id and not again.alarms[0].created
    with eng.db.session() as s:
        rows, total = list_alarms(s)
        assert total == 1 and rows[0].update_count == 1 and rows[0].severity == "critical"


def test_bad_payloads_are_kept_as_rejected(eng: Engine) -> None:
    """An unparseable payload is stored raw, answered with the reason, and listed."""
    result = eng.send(b'{"source": "x", "severity": "bad"')
    assert not result.accepted and result.error
    payload = alarm("X-1", severity="apocalyptic")
    unknown = eng.send(payload)
    assert "severity" in (unknown.error or "")
    with eng.db.session() as s:
        rejected, total = list_rejected(s)
        assert total == 2
        assert rejected[0].body == payload
        assert rejected[0].error == unknown.error


def test_video_loss_on_the_same_street_joins_the_feeder_incident(eng: Engine) -> None:
    """The correlated pair: a feeder down, then the camera of that street goes dark."""
    feeder = eng.send(alarm("LUM-3")).alarms[0].incident_id
    loss = json.dumps(
        {
            "source": "csu",
            "external_id": "video.loss:cam-lenepveu-1:1",
            "type": "video.loss",
            "occurred_at": datetime.now(UTC).isoformat(),
            "camera_id": "cam-lenepveu-1",
            "description": "signal lost",
        }
    ).encode()
    result = eng.send(loss, channel=Channel.INTERNAL)
    assert result.accepted, result.error
    assert result.alarms[0].incident_id == feeder
    with eng.db.session() as s:
        detail = incident_detail(s, feeder)
        assert detail is not None and detail.incident.alarm_count == 2
        assert "video_event" in [e.kind for e in detail.timeline]


def test_cap_update_and_cancel_act_on_the_alert_they_reference(
    eng: Engine, shared_data: Path
) -> None:
    """The OASIS earthquake update lands on the incident of the alert it references; a Cancel
    of it marks it cancelled on the same incident."""
    update = (shared_data / "alarms" / "cap" / "oasis-A3_earthquake-update.xml").read_bytes()
    original = (
        update.replace(b"TRI13970876.2", b"TRI13970876.1")
        .replace(b"<msgType>Update</msgType>", b"<msgType>Alert</msgType>")
        .replace(
            b"<references>trinet@caltech.edu,TRI13970876.1,2003-06-11T20:30:00-07:00</references>",
            b"",
        )
    )
    first = eng.send(original, channel=Channel.HTTP_CAP)
    assert first.accepted, first.error
    second = eng.send(update, channel=Channel.HTTP_CAP)
    assert second.accepted, second.error
    assert second.alarms[0].incident_id == first.alarms[0].incident_id
    cancel = update.replace(b"TRI13970876.2", b"TRI13970876.3").replace(
        b"<msgType>Update</msgType>", b"<msgType>Cancel</msgType>"
    )
    third = eng.send(cancel, channel=Channel.HTTP_CAP)
    assert third.accepted, third.error
    assert third.alarms[0].incident_id == first.alarms[0].incident_id
    with eng.db.session() as s:
        rows, _ = list_alarms(s)
        by_ext = {r.external_id: r.status for r in rows}
        assert by_ext["TRI13970876.1"] == "cancelled"


def test_lifecycle_actions_and_their_timeline(eng: Engine) -> None:
    """acknowledge -> note -> assign -> in_progress -> resolved -> closed, each on the timeline."""
    incident_id = eng.send(alarm("LUM-4")).alarms[0].incident_id
    eng.act(incident_id=incident_id, action=ActionName.ACKNOWLEDGE, user="operator")
    eng.act(incident_id=incident_id, action=ActionName.NOTE, user="operator", text="patrol sent")
    eng.act(
        incident_id=incident_id, action=ActionName.ASSIGN, user="operator", assignee="supervisor"
    )
    eng.act(incident_id=incident_id, action=ActionName.STEP, user="operator", step=0)
    for status in (IncidentStatus.IN_PROGRESS, IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        summary = eng.act(
            incident_id=incident_id, action=ActionName.STATUS, user="operator", status=status
        )
    assert summary.status == "closed"
    with pytest.raises(CommandError, match="cannot go from closed to in_progress"):
        eng.act(
            incident_id=incident_id,
            action=ActionName.STATUS,
            user="operator",
            status=IncidentStatus.IN_PROGRESS,
        )
    with eng.db.session() as s:
        detail = incident_detail(s, incident_id)
        assert detail is not None
        kinds = [e.kind for e in detail.timeline]
        assert kinds[2:] == [
            "status_change",
            "acknowledged",
            "note",
            "assigned",
            "procedure_step",
            "status_change",
            "status_change",
            "status_change",
        ]
        assert detail.incident.procedure[0].by == "operator"
    # a closed incident takes no more alarms: the same place opens a new one
    assert eng.send(alarm("LUM-5")).alarms[0].incident_id != incident_id


def test_restart_restores_open_incidents(database_url: str) -> None:
    """After a restart a related alarm still joins the incident opened before it."""
    first = Engine(database_url)
    incident_id = first.send(alarm("LUM-6")).alarms[0].incident_id
    first.close()
    second = Engine(database_url)
    try:
        lamp = second.send(alarm("LAMP-1", "lighting.lamp_off", severity="low"))
        assert lamp.alarms[0].incident_id == incident_id and lamp.alarms[0].inhibited
    finally:
        second.close()


def test_raw_payload_is_committed_before_parsing(eng: Engine) -> None:
    """Even a payload that breaks the parser is in raw_alarms."""
    eng.send(b"\xff\xfe not even text")
    with eng.db.engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT status FROM raw_alarms")).scalars().all()
    assert statuses == ["rejected"]
    assert any(isinstance(e, AlarmsStored) and e.rejected == 1 for e in eng.events)


def test_an_end_with_nothing_open_to_end_opens_no_incident(eng: Engine) -> None:
    # An ONVIF camera's "motion ended" after its incident was closed: kept, on no incident.
    start = eng.send(alarm("DOOR-1/active"))
    incident_id = start.alarms[0].incident_id
    for status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        eng.act(incident_id=incident_id, action=ActionName.STATUS, user="operator", status=status)
    ended = eng.send(alarm("DOOR-1/ended", status="cleared"))
    assert ended.accepted and ended.alarms[0].incident_id is None
    again = eng.send(alarm("DOOR-1/again"))
    assert again.alarms[0].incident_id not in (None, incident_id)  # a new start opens one
    opened = [e for e in eng.events if isinstance(e, IncidentChanged) and e.change == "opened"]
    assert len(opened) == 2
