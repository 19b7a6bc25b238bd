"""Exercises over HTTP beside the real watch: start and end (supervisor, access log), the
EXERCICE mark in payloads, the log book and a wall a real incident holds."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from crisis.exercises import Exercises, injected
from crisis.models import CrisisLogEntry
from csu.config import SiteConfig, parse_site
from privacy.access_log import AccessLogEntry
from tests.web.conftest import SITE, login, services_of
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_walls import wait_layout

# One tile: whichever incident holds it is the one the wall shows.
ONE_TILE_SITE = SITE + "  - {id: one, name: One tile, grid: [1, 1]}\n"
# By the plaza camera, far from the street one: another incident, another camera.
BY_THE_PLAZA = {"type": "Point", "coordinates": [-0.56, 47.4797]}


@pytest.fixture
def site() -> SiteConfig:
    """The test site with a one-tile wall."""
    return parse_site(ONE_TILE_SITE)


def start(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """Start an exercise; its JSON."""
    body = {"scenario": "orage-tremie", "title": "Orage, trémie inondée"}
    answer = client.post("/api/exercises", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    started: dict[str, Any] = answer.json()
    return started


def inject(client: TestClient, exercise_id: int, alarm: dict[str, Any]) -> dict[str, Any]:
    """What the scenario runner does for a step: the alarm through the real intake, marked."""
    services = services_of(client)
    result = asyncio.run(
        Exercises(services.db, services.incidents).inject(exercise_id, injected(alarm))
    )
    summary: dict[str, Any] = result.model_dump(mode="json")["alarms"][0]
    return summary


def test_a_supervisor_starts_and_ends_an_exercise_logged(client: TestClient) -> None:
    """Only a supervisor starts or ends one; both are in the access log; ending twice is 409."""
    supervisor, operator = login(client, "supervisor"), login(client, "operator")
    refused = client.post("/api/exercises", json={"scenario": "s", "title": "t"}, headers=operator)
    assert refused.status_code == 403
    exercise = start(client, supervisor)
    assert exercise["running"] and exercise["started_by"] == "supervisor"
    running = client.get("/api/exercises", params={"running": True}, headers=operator).json()
    assert [e["id"] for e in running] == [exercise["id"]]
    url = f"/api/exercises/{exercise['id']}/end"
    assert client.post(url, headers=operator).status_code == 403
    ended = client.post(url, headers=supervisor)
    assert ended.status_code == 200 and ended.json()["ended_by"] == "supervisor"
    assert client.post(url, headers=supervisor).status_code == 409
    assert client.get("/api/exercises", params={"running": True}, headers=operator).json() == []
    with services_of(client).db.session() as s:
        logged = [e for e in s.exec(select(AccessLogEntry)) if e.action.startswith("exercise.")]
    assert [(e.action, e.user) for e in logged] == [
        ("exercise.start", "supervisor"),
        ("exercise.end", "supervisor"),
    ]


def test_an_exercise_beside_the_real_watch(client: TestClient) -> None:
    """Side by side: the exercise's incident is marked in the API, apart from the real one,
    absent from the log book, and never takes the wall's one tile from the real incident."""
    supervisor, operator = login(client, "supervisor"), login(client, "operator")
    real = client.post("/api/alarms", json=csu_alarm("EX-1", severity="low"), headers=operator)
    real_id = real.json()["alarms"][0]["incident_id"]
    assert real.json()["alarms"][0]["exercise"] is None
    wait_layout(
        client, operator, "one", lambda s: s["layout"]["tiles"][0]["incident_id"] == real_id
    )
    exercise = start(client, supervisor)
    mark = {"id": exercise["id"], "title": "Orage, trémie inondée"}
    drill = inject(client, exercise["id"], csu_alarm("EX-1", severity="critical"))
    assert drill["exercise"] == mark and drill["incident_id"] != real_id
    near = inject(client, exercise["id"], csu_alarm("EX-2", location=BY_THE_PLAZA))
    assert near["exercise"] == mark
    incidents = client.get("/api/incidents", headers=operator).json()
    listed = incidents["incidents"] if isinstance(incidents, dict) else incidents
    marks = {i["id"]: i["exercise"] for i in listed}
    assert marks[real_id] is None and marks[drill["incident_id"]] == mark
    detail = client.get(f"/api/incidents/{drill['incident_id']}", headers=operator).json()
    assert (detail.get("incident") or detail)["exercise"] == mark
    time.sleep(1.0)  # the walls have had the exercise's incidents
    state = client.get("/api/walls/one/layout", headers=operator).json()
    assert state["layout"]["tiles"][0]["incident_id"] == real_id
    assert state["layout"]["tiles"][0]["camera_id"] == "cam-street"
    period = {
        "start": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "end": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    }
    book = client.get("/api/logbook", params=period, headers=operator)
    rows = list(csv.DictReader(io.StringIO(book.text)))
    assert rows and {r["incident"] for r in rows} == {str(real_id)}


def test_an_exercise_escalation_opens_its_own_crisis(client: TestClient) -> None:
    """Escalating an exercise's incident opens the exercise's crisis, its log marked; the real
    crisis cell has none open, and a real escalation then opens a real crisis beside it."""
    supervisor, operator = login(client, "supervisor"), login(client, "operator")
    exercise = start(client, supervisor)
    drill = inject(client, exercise["id"], csu_alarm("ESC-1"))
    escalate = {"action": "escalate", "text": "trémie inondée"}
    url = f"/api/incidents/{drill['incident_id']}/actions"
    assert client.post(url, json=escalate, headers=operator).status_code == 200
    crises = wait_for_crises(client, operator, 1)
    assert crises[0]["exercise_id"] == exercise["id"]
    assert client.get("/api/crises/current", headers=operator).json() is None
    real = client.post("/api/alarms", json=csu_alarm("ESC-2"), headers=operator).json()
    real_url = f"/api/incidents/{real['alarms'][0]['incident_id']}/actions"
    assert client.post(real_url, json=escalate, headers=operator).status_code == 200
    crises = wait_for_crises(client, operator, 2)
    assert [c["exercise_id"] for c in crises] == [None, exercise["id"]]
    assert client.get("/api/crises/current", headers=operator).json()["id"] == crises[0]["id"]
    with services_of(client).db.session() as s:
        marks = {(e.crisis_id, e.exercise_id) for e in s.exec(select(CrisisLogEntry))}
    assert marks == {(crises[1]["id"], exercise["id"]), (crises[0]["id"], None)}


def wait_for_crises(client: TestClient, headers: dict[str, str], count: int) -> list[Any]:
    """The crises, newest first, once there are `count` of them (escalation is asynchronous)."""
    deadline = time.monotonic() + 10
    while True:
        crises: list[Any] = client.get("/api/crises", headers=headers).json()
        if len(crises) >= count or time.monotonic() > deadline:
            assert len(crises) == count, crises
            return crises
        time.sleep(0.05)


def test_an_exercise_incident_never_joins_a_real_crisis(client: TestClient) -> None:
    """Opened by hand or named in a decision, an exercise's incident is refused by a real crisis."""
    supervisor, cell = login(client, "supervisor"), login(client, "crisis")
    exercise = start(client, supervisor)
    drill = inject(client, exercise["id"], csu_alarm("HAND-1"))["incident_id"]
    refused = client.post("/api/crises", json={"title": "Crue", "incidents": [drill]}, headers=cell)
    assert refused.status_code == 409, refused.text
    assert "exerci" in refused.json()["detail"]  # exercice or exercise: the reader's language
    opened = client.post("/api/crises", json={"title": "Crue"}, headers=cell).json()
    decision = {"text": "Fermer la trémie", "incident_id": drill}
    named = client.post(f"/api/crises/{opened['id']}/log", json=decision, headers=cell)
    assert named.status_code == 409, named.text
    assert client.get(f"/api/crises/{opened['id']}", headers=cell).json()["incidents"] == []
