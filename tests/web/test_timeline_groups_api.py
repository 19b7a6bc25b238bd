"""Noise control through the API: a storm of 300 lamp alarms is one line of its incident's
timeline, a people-only view keeps what people wrote, and the raw entries stay one call away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.web.conftest import login
from tests.web.storm_scenario import LAMPS, NOTES, post_storm


def test_a_storm_is_one_grouped_line_of_the_timeline(client: TestClient) -> None:
    """Grouped by default: the 300 lamps are one alarm_group line that counts, spans and names
    them; people: only what people wrote; all: every entry as written."""
    operator = login(client, "operator")
    start = datetime.now(UTC) - timedelta(minutes=30)
    incident_id = post_storm(client, operator, start)
    act = f"/api/incidents/{incident_id}/actions"
    client.post(act, json={"action": "note", "text": NOTES[0]}, headers=operator)
    client.post(act, json={"action": "acknowledge"}, headers=operator)

    detail = client.get(f"/api/incidents/{incident_id}", headers=operator).json()
    groups = [e for e in detail["timeline"] if e["kind"] == "alarm_group"]
    (group,) = groups
    assert group["group"]["count"] == LAMPS and group["group"]["sources"] == LAMPS
    assert group["group"]["alarm_type"] == "lighting.lamp_off"
    assert len(set(group["group"]["alarm_ids"])) == LAMPS
    lamp_ids = {a["id"] for a in detail["alarms"] if a["type"] == "lighting.lamp_off"}
    assert set(group["group"]["alarm_ids"]) == lamp_ids  # expandable from the alarms it has
    first = datetime.fromisoformat(group["group"]["first"])
    last = datetime.fromisoformat(group["group"]["last"])
    assert timedelta(minutes=14) < last - first <= timedelta(minutes=15)
    assert len(detail["timeline"]) < 10, [e["kind"] for e in detail["timeline"]]
    assert [e["text"] for e in detail["timeline"] if e["kind"] == "note"] == [NOTES[0]]

    people = client.get(f"/api/incidents/{incident_id}?view=people", headers=operator).json()
    assert [e["kind"] for e in people["timeline"]] == ["note", "status_change", "acknowledged"]
    raw = client.get(f"/api/incidents/{incident_id}?view=all", headers=operator).json()
    received = [e for e in raw["timeline"] if e["kind"] == "alarm_received"]
    assert len(received) == LAMPS + 1
    wrong = client.get(f"/api/incidents/{incident_id}?view=some", headers=operator)
    assert wrong.status_code == 422
