"""A one-hour watch with a storm of 300 lamp alarms on one incident, escalated to a crisis cell
that decides and closes: what the grouped timelines, log book and report are measured on."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from fastapi.testclient import TestClient

from tests.web.conftest import login
from tests.web.test_alarms_api import csu_alarm

LAMPS = 300
DECISIONS = (
    "Close the Rue Lenepveu to traffic",
    "Send the lighting contractor's night crew",
    "Police patrol at the crossroads until the lamps are back",
)
NOTES = ("Patrol 12 on its way", "Contractor called, ETA 40 min")


@dataclass(frozen=True)
class Scenario:
    """What the scenario made."""

    incident_id: int
    crisis_id: int
    start: datetime
    end: datetime


def _at(start: datetime, minutes: float) -> str:
    return (start + timedelta(minutes=minutes)).isoformat()


def post_storm(
    client: httpx.Client, operator: dict[str, str], start: datetime, *, prefix: str = "S"
) -> int:
    """A feeder down, then 300 of its lamps off over 15 minutes (posted by `operator`, a test
    client or one of a served app); the incident's id."""
    feeder = csu_alarm(f"{prefix}-FEEDER", occurred_at=_at(start, 0))
    answer = client.post("/api/alarms", json=feeder, headers=operator)
    assert answer.status_code == 201, answer.text
    incident_id = int(answer.json()["alarms"][0]["incident_id"])
    for n in range(LAMPS):
        lamp = csu_alarm(
            f"{prefix}-LAMP-{n:03d}",
            type="lighting.lamp_off",
            severity="low",
            description=f"Lamp {n:03d} off",
            occurred_at=_at(start, 2 + n * 15 / LAMPS),
            location={"type": "Point", "coordinates": [-0.5499 + n * 1e-6, 47.47]},
        )
        stored = client.post("/api/alarms", json=lamp, headers=operator)
        assert stored.status_code == 201, stored.text
        assert stored.json()["alarms"][0]["incident_id"] == incident_id
    return incident_id


def one_hour(client: TestClient, *, prefix: str = "S") -> Scenario:
    """The storm an hour ago, the operator's notes and escalation, the crisis cell's decisions."""
    start = datetime.now(UTC) - timedelta(minutes=60)
    operator, cell = login(client, "operator"), login(client, "crisis")
    incident_id = post_storm(client, operator, start, prefix=prefix)
    act = f"/api/incidents/{incident_id}/actions"
    assert client.post(act, json={"action": "acknowledge"}, headers=operator).status_code == 200
    for note in NOTES:
        client.post(act, json={"action": "note", "text": note}, headers=operator)
    escalate = {"action": "escalate", "text": "Whole district dark"}
    assert client.post(act, json=escalate, headers=operator).status_code == 200
    crisis = None
    for _ in range(100):  # the escalation opens the crisis through the bus
        crisis = client.get("/api/crises/current", headers=cell).json()
        if crisis is not None:
            break
        time.sleep(0.05)
    assert crisis is not None, "the escalation opens a crisis"
    for text in DECISIONS:
        logged = client.post(
            f"/api/crises/{crisis['id']}/log", json={"kind": "decision", "text": text}, headers=cell
        )
        assert logged.status_code == 201, logged.text
    closed = client.post(
        f"/api/crises/{crisis['id']}/close", json={"text": "lamps back"}, headers=cell
    )
    assert closed.status_code == 200, closed.text
    return Scenario(incident_id, crisis["id"], start, datetime.now(UTC) + timedelta(minutes=1))
