"""The Forum's API says nothing that identifies a place or a person: seeded incidents with
addresses, cameras and operators' names come out as district levels and counts, delayed and
rounded; an exercise's incident is left out."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from csu.db import Database
from incidents.models import Incident, StoredAlarm, TimelineEntry
from tests.web.conftest import login

ADDRESS = "12 rue Lenepveu"
# Exact places (Angers): a remark's rounding or a district centre never falls on them.
PLACES = [(-0.553617, 47.471234), (-0.598512, 47.453021), (-0.521987, 47.456112)]
SECRETS = [ADDRESS, "Lenepveu", "cam-street", "cam-plaza", "jdupont", "operator", "Marie Curie"]


def _seed(url: str) -> datetime:
    now = datetime.now(UTC)
    db = Database(url)
    with db.session() as s:
        for n, (lon, lat) in enumerate(PLACES):
            opened = now - timedelta(minutes=30 + n)
            incident = Incident(
                title=f"Feeder down at {ADDRESS}, seen by cam-street, reported by Marie Curie",
                type=["lighting.feeder_down", "water.leak", "parking.full"][n],
                severity="high",
                status="acknowledged",
                assignee="jdupont",
                opened_at=opened,
                updated_at=opened,
                lon=lon,
                lat=lat,
                cameras=json.dumps(["cam-street", "cam-plaza"]),
            )
            s.add(incident)
            s.flush()
            s.add(
                StoredAlarm(
                    source="hypervisor",
                    external_id=f"LUM-{n}",
                    type=incident.type,
                    severity="high",
                    status="active",
                    occurred_at=opened,
                    received_at=opened,
                    updated_at=opened,
                    lon=lon,
                    lat=lat,
                    description=f"{ADDRESS}: lamp off",
                    camera_id="cam-street",
                    incident_id=incident.id,
                )
            )
            s.add(
                TimelineEntry(
                    incident_id=incident.id,
                    at=opened,
                    kind="note",
                    author="operator",
                    text=f"jdupont went to {ADDRESS}",
                )
            )
        # An exercise's incident: never on the Forum.
        drill = now - timedelta(hours=2)
        s.add(
            Incident(
                title="EXERCICE",
                type="waste.bin_full",
                severity="critical",
                opened_at=drill,
                updated_at=drill,
                lon=-0.5536,
                lat=47.4712,
                exercise_id=1,
            )
        )
        # Opened five minutes ago: newer than the delay, not shown yet.
        recent = now - timedelta(minutes=5)
        s.add(
            Incident(
                title="new",
                type="watering.leak",
                severity="critical",
                opened_at=recent,
                updated_at=recent,
                lon=-0.5536,
                lat=47.4712,
            )
        )
    db.dispose()
    return now


def test_the_forum_names_no_place_person_or_camera(client: TestClient, database_url: str) -> None:
    now = _seed(database_url)
    kiosk = login(client, "public_display")
    answers = [client.get(path, headers=kiosk) for path in ("/api/forum/state", "/api/forum/map")]
    assert all(a.status_code == 200 for a in answers)
    text = "\n".join(a.text for a in answers)
    for secret in SECRETS:
        assert secret not in text, secret
    for lon, lat in PLACES:
        assert f"{lon:.4f}" not in text and f"{lat:.4f}" not in text

    state = answers[0].json()
    # The one time it gives is delayed by the setting and rounded to five minutes.
    as_of = datetime.fromisoformat(state["as_of"])
    assert as_of <= now - timedelta(minutes=15)
    assert as_of.minute % 5 == 0 and as_of.second == 0 and as_of.microsecond == 0
    times = re.findall(r"\d{4}-\d{2}-\d{2}T[\d:.]+", answers[0].text)
    assert times == [state["as_of"][:19]]
    assert state["delay_minutes"] == 15

    districts = {d["id"]: d for d in state["districts"]}
    assert districts["centre-ville"]["services"]["lighting"] == {"level": "alert", "open": 1}
    assert districts["lac-de-maine"]["services"]["water"]["level"] == "alert"
    assert districts["les-justices"]["services"]["parking"]["level"] == "alert"
    assert state["city"]["waste"] == {"level": "ok", "open": 0}  # the exercise is left out
    assert state["city"]["watering"] == {"level": "ok", "open": 0}  # too recent to show
    assert set(state["services"]) == {
        "lighting",
        "buildings",
        "security",
        "watering",
        "traffic_lights",
        "parking",
        "waste",
        "water",
    }
    handled = state["activity"]["handled"]
    assert handled["lighting"] == handled["water"] == handled["parking"] == 1
    assert handled["waste"] == 0
