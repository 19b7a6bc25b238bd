"""What of incidents a reader sees, and who may decide on an analytics alert (issue #15)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from incidents.commands import ActionName, CommandForbidden, IncidentNotFound
from incidents.events import AlarmSummary, IncidentSummary
from incidents.service import incident_detail, list_incidents
from incidents.visibility import entry_visible, incident_visible, shown_alarms, shown_incident
from privacy.policy import EVERY_CAMERA, NO_CAMERA, CameraScope
from tests.incidents.test_engine import Engine, alarm

STREET = CameraScope(frozenset({"cam-lenepveu-1"}))
AT = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def summary(cameras: list[str]) -> IncidentSummary:
    """An incident on these cameras."""
    now = AT
    return IncidentSummary(
        id=1,
        title="t",
        type="lighting.feeder_down",
        severity="high",
        status="new",
        assignee=None,
        opened_at=now,
        updated_at=now,
        lon=None,
        lat=None,
        alarm_count=1,
        cameras=cameras,
        storm=False,
        escalated=False,
    )


def alarm_summary(camera_id: str | None) -> AlarmSummary:
    """An alarm raised by this camera (or by none)."""
    return AlarmSummary(
        id=1,
        source="s",
        external_id="e",
        type="t",
        severity="low",
        status="active",
        occurred_at=datetime.now(UTC),
        description="d",
        incident_id=None,
        created=True,
        inhibited=False,
        camera_id=camera_id,
    )


def test_an_incident_shows_when_it_concerns_one_of_the_readers_cameras_or_none() -> None:
    assert shown_incident(STREET, summary([])) == summary([])
    assert shown_incident(STREET, summary(["cam-other"])) is None
    both = shown_incident(STREET, summary(["cam-other", "cam-lenepveu-1"]))
    assert both is not None and both.cameras == ["cam-lenepveu-1"]
    assert shown_incident(EVERY_CAMERA, summary(["cam-other"])) == summary(["cam-other"])
    assert shown_incident(NO_CAMERA, summary(["cam-other"])) is None
    assert incident_visible(NO_CAMERA, []) and not incident_visible(STREET, ["x"])


def test_camera_alarms_and_timeline_entries_follow_the_camera() -> None:
    alarms = [alarm_summary(None), alarm_summary("cam-other"), alarm_summary("cam-lenepveu-1")]
    assert [a.camera_id for a in shown_alarms(STREET, alarms)] == [None, "cam-lenepveu-1"]
    assert entry_visible(STREET, {"camera_id": "cam-lenepveu-1"}, set())
    assert not entry_visible(STREET, {"camera_id": "cam-other"}, set())
    assert not entry_visible(STREET, {"alarm_id": 7}, {7})
    assert not entry_visible(STREET, {"alarm_ids": [3, 7]}, {7})
    assert not entry_visible(STREET, {"alarms": [{"id": 7, "type": "x"}]}, {7})
    assert entry_visible(STREET, {"alarm_id": 8}, {7})


@pytest.fixture
def eng(database_url: str) -> Iterator[Engine]:
    """An engine on an empty database."""
    e = Engine(database_url)
    yield e
    e.close()


def test_actions_on_another_cameras_incident_are_not_found(eng: Engine) -> None:
    incident_id = eng.send(alarm("LUM-V1")).alarms[0].incident_id  # cam-lenepveu-1 attached
    other = CameraScope(frozenset({"cam-other"}))
    note = {"incident_id": incident_id, "action": ActionName.NOTE, "user": "op", "text": "x"}
    with pytest.raises(IncidentNotFound):
        eng.act(**note, seen=other)
    done = eng.act(**note, seen=STREET)
    assert done.id == incident_id


def test_deciding_on_an_analytics_alert_needs_its_picture(eng: Engine) -> None:
    """The incident is on the reader's camera, the alert's picture is another camera's."""
    body = alarm(
        "analytics:cam-other:1",
        "video.analytics.zone_intrusion",
        camera_id="cam-other",
        source="csu.analytics",
    )
    result = eng.send(body)
    assert result.accepted, result.error
    incident_id = result.alarms[0].incident_id
    with eng.db.session() as s:
        detail = incident_detail(s, incident_id)
        assert detail is not None
        assert set(detail.incident.cameras) == {"cam-lenepveu-1", "cam-other"}
    with pytest.raises(CommandForbidden, match="cam-other"):
        eng.act(
            incident_id=incident_id,
            action=ActionName.CONFIRM,
            user="op",
            seen=STREET,
            pictures=STREET,
        )
    done = eng.act(
        incident_id=incident_id,
        action=ActionName.DISMISS,
        user="op",
        seen=STREET,
        pictures=CameraScope(frozenset({"cam-lenepveu-1", "cam-other"})),
    )
    assert done.id == incident_id


def test_a_readers_incidents_are_not_crowded_out_by_other_cameras(eng: Engine) -> None:
    """The scope filters in the query, before the limit, not after it."""
    nowhere = eng.send(alarm("FAR-1", lon=-0.60, lat=47.50)).alarms[0].incident_id
    for n in range(3):  # newer changes, all on cam-lenepveu-1's incident
        eng.act(
            incident_id=eng.send(alarm(f"LUM-D{n}")).alarms[0].incident_id,
            action=ActionName.NOTE,
            user="op",
            text="touch",
        )
    other = CameraScope(frozenset({"cam-other"}))
    with eng.db.session() as s:
        assert [i.id for i in list_incidents(s, limit=1, seen=other)] == [nowhere]
        assert nowhere not in [i.id for i in list_incidents(s, limit=1)]
        assert [i.id for i in list_incidents(s, limit=1, seen=STREET)] != [nowhere]
