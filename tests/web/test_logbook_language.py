"""The log book and the crisis report speak the site's language and keep its clock (dd/mm/yyyy
HH:MM, Europe/Paris) whatever the server's own time zone."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from csu.config import SiteConfig, parse_site
from tests.web.conftest import SITE, login
from tests.web.test_alarms_api import csu_alarm

PARIS = ZoneInfo("Europe/Paris")
WORDS = {
    "fr": {
        "logbook": ("Main courante : Testville", "<th>Heure</th>", "<th>Inscription</th>"),
        "entries": (
            "acquitté par operator",
            "escaladé par operator",
            "la caméra cam-street voit le lieu (",
            "Départ d'éclairage en défaut (haute) de hypervisor : Feeder 12 down, 18 lamps off",
            "Départ d'éclairage en défaut (haute) de hypervisor,",  # said once, not twice
        ),
        "kinds": ("<td>note</td>", "<td>acquittement</td>", "<td>escalade</td>"),
        "report": (
            "Rapport de crise : Inondation",
            "<h2>Décisions</h2>",
            "<h2>Chronologie</h2>",
            "<th>Gravité</th>",
            "Annexe : la chronologie complète",
            "crise ouverte : Inondation",
            "crise close : eau partie",
            "crise, incident ",
            '<span class="decision">décision</span>',
        ),
    },
    "en": {
        "logbook": ("Log book: Testville", "<th>Time</th>", "<th>Entry</th>"),
        "entries": (
            "acknowledged by operator",
            "escalated by operator",
            "camera cam-street sees the place (",
            "Lighting feeder down (high) from hypervisor: Feeder 12 down, 18 lamps off",
            "Lighting feeder down (high) from hypervisor,",  # said once, not twice
        ),
        "kinds": ("<td>note</td>", "<td>acknowledged</td>", "<td>escalated</td>"),
        "report": (
            "Crisis report: Inondation",
            "<h2>Decisions</h2>",
            "<h2>Timeline</h2>",
            "<th>Severity</th>",
            "Annex: the full timeline",
            "crisis opened: Inondation",
            "crisis closed: eau partie",
            "crisis, incident ",
            '<span class="decision">decision</span>',
        ),
    },
}
ENGLISH_ONLY = ("Crisis report", "Decisions", "acknowledged by", "draft", "view(s)", "lines<")


@pytest.fixture(params=["fr", "en"])
def site(request: pytest.FixtureRequest) -> SiteConfig:
    """The tests' site in French (the default) or English."""
    text = SITE.replace(
        "timezone: Europe/Paris}", f"timezone: Europe/Paris, language: {request.param}}}"
    )
    return parse_site(text)


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's own clock in New York: nothing the site reads may follow it."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _watch(client: TestClient, headers: dict[str, str]) -> int:
    """An alarm, acknowledged, noted, escalated into a crisis that decides and closes."""
    posted = client.post("/api/alarms", json=csu_alarm("LANG-1"), headers=headers)
    incident = posted.json()["alarms"][0]["incident_id"]
    # A sender that only repeats the type's label: the line says it once.
    bare = csu_alarm("LANG-2", description="Lighting feeder down")
    assert client.post("/api/alarms", json=bare, headers=headers).status_code == 201
    for action in ({"action": "acknowledge"}, {"action": "note", "text": "patrouille envoyée"}):
        client.post(f"/api/incidents/{incident}/actions", json=action, headers=headers)
    opened = client.post(
        "/api/crises", json={"title": "Inondation", "incidents": [incident]}, headers=headers
    )
    crisis = opened.json()["id"]
    cell = login(client, "crisis")
    decision = {"kind": "decision", "text": "Fermer le passage", "incident_id": incident}
    assert client.post(f"/api/crises/{crisis}/log", json=decision, headers=cell).status_code == 201
    client.post(f"/api/incidents/{incident}/actions", json={"action": "escalate"}, headers=headers)
    closed = client.post(f"/api/crises/{crisis}/close", json={"text": "eau partie"}, headers=cell)
    assert closed.status_code == 200, closed.text
    return crisis


def test_logbook_and_report_in_the_sites_language_on_the_paris_clock(
    client: TestClient, site: SiteConfig, new_york: None
) -> None:
    words = WORDS[site.site.language]
    operator = login(client, "operator")
    crisis = _watch(client, operator)
    start = datetime.now(UTC) - timedelta(hours=1)
    period = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}

    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/api/logbook", params={**period, "view": "all"}, headers=operator).text
            )
        )
    )
    assert {"alarm received", "acknowledged", "note", "escalated"} <= {r["kind"] for r in rows}
    note = next(r for r in rows if r["kind"] == "note")
    written = datetime.strptime(note["time"], "%d/%m/%Y %H:%M:%S").replace(tzinfo=PARIS)
    assert abs((datetime.now(UTC) - written).total_seconds()) < 120
    entries = ", ".join(r["entry"] for r in rows)
    assert all(e in entries for e in words["entries"]), entries

    page = client.get("/api/logbook", params={**period, "format": "html"}, headers=operator).text
    assert f"<html lang={site.site.language}>" in page
    paris_start = start.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    assert paris_start in page and "(Europe/Paris)" in page
    assert all(w in page for w in (*words["logbook"], *words["kinds"])), page

    report = client.get(f"/api/crises/{crisis}/report", headers=login(client, "crisis")).text
    assert all(w in report for w in words["report"]), report
    assert datetime.now(UTC).astimezone(PARIS).strftime("%d/%m/%Y %H:") in report
    if site.site.language == "fr":
        assert not [w for w in ENGLISH_ONLY if w in report + page]
