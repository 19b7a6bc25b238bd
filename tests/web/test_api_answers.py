"""Answers are what the OpenAPI document says: refusals as {"detail"}, times with their offset."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import SiteConfig
from csu.settings import Settings
from tests.web.conftest import login
from tests.web.test_alarms_api import csu_alarm


def test_every_operation_documents_its_refusals_as_csu_sends_them(
    site: SiteConfig, tmp_path: Path
) -> None:
    """4XX with {"detail": string} on every operation; never FastAPI's list-shaped 422, which
    csu does not send (a client generated from the document would misread every refusal)."""
    settings = Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'x.db'}")
    document = create_app(settings, site).openapi()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            refusal = operation["responses"].get("4XX")
            assert refusal is not None, (method, path)
            ref = refusal["content"]["application/json"]["schema"]["$ref"]
            problem = schemas[ref.rsplit("/", 1)[-1]]
            assert problem["properties"] == {"detail": {"type": "string", "title": "Detail"}}


def test_metrics_are_documented_as_the_text_they_are(client: TestClient) -> None:
    """Prometheus' text format, as the document says (it said application/json)."""
    document = client.get("/openapi.json").json()
    assert list(document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == [
        "text/plain"
    ]
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")


def _times(answer: Any, where: str = "") -> list[tuple[str, str]]:
    """Every (place, value) of a time in a JSON answer (keys `at` or ending in `_at`)."""
    if isinstance(answer, list):
        return [t for n, item in enumerate(answer) for t in _times(item, f"{where}[{n}]")]
    if not isinstance(answer, dict):
        return []
    found = []
    for key, value in answer.items():
        if (key == "at" or key.endswith("_at")) and isinstance(value, str):
            found.append((f"{where}.{key}", value))
        found += _times(value, f"{where}.{key}")
    return found


def test_crisis_and_salvo_times_carry_their_offset(client: TestClient) -> None:
    """A crisis, its log and a saved layout answer RFC 3339 times, as documented: on SQLite they
    came back without an offset ("2026-12-06T11:51:51.022652"), which no client can place."""
    supervisor = login(client, "supervisor")
    opened = client.post("/api/crises", json={"title": "Flood"}, headers=supervisor)
    assert opened.status_code == 201, opened.text
    crisis = opened.json()["id"]
    logged = client.post(f"/api/crises/{crisis}/log", json={"text": "sandbags"}, headers=supervisor)
    assert logged.status_code == 201, logged.text
    saved = client.post("/api/walls/csu-main/salvos", json={"name": "flood"}, headers=supervisor)
    assert saved.status_code == 201, saved.text
    answers = {
        url: client.get(url, headers=supervisor).json()
        for url in (
            "/api/crises",
            "/api/crises/current",
            f"/api/crises/{crisis}",
            "/api/walls/csu-main/salvos",
        )
    }
    answers["opened"], answers["saved"] = opened.json(), saved.json()
    times = [(name + place, value) for name, a in answers.items() for place, value in _times(a)]
    assert len(times) >= 8, times
    naive = [(at, value) for at, value in times if datetime.fromisoformat(value).tzinfo is None]
    assert not naive, naive


def test_incident_and_alarm_times_carry_their_offset(client: TestClient) -> None:
    """Incidents (list, detail with timeline, after an action) and stored alarms answer RFC 3339
    times: on SQLite opened_at, updated_at, timeline and alarm times came back naive."""
    operator = login(client, "operator")
    posted = client.post("/api/alarms", json=csu_alarm("TIMES-1"), headers=operator)
    assert posted.status_code == 201, posted.text
    incident = posted.json()["alarms"][0]["incident_id"]
    acted = client.post(
        f"/api/incidents/{incident}/actions", json={"action": "acknowledge"}, headers=operator
    )
    assert acted.status_code == 200, acted.text
    answers = {
        url: client.get(url, headers=operator).json()
        for url in ("/api/incidents", f"/api/incidents/{incident}", "/api/alarms")
    }
    answers["acted"] = acted.json()
    times = [(name + place, value) for name, a in answers.items() for place, value in _times(a)]
    alarms = answers["/api/alarms"]["items"]
    times += [("/api/alarms.occurred_at", a["alarm"]["occurred_at"]) for a in alarms]
    assert len(times) >= 8, times
    naive = [(at, value) for at, value in times if datetime.fromisoformat(value).tzinfo is None]
    assert not naive, naive
