"""The log book (main courante) as CSV and printable HTML."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from tests.web.conftest import login
from tests.web.test_alarms_api import csu_alarm


def test_logbook_lists_the_watch_in_local_time(client: TestClient) -> None:
    """An alarm and an operator's note appear in order, on the Paris clock, in CSV and HTML; the
    CSV's header and kinds are the words tools read."""
    operator = login(client, "operator")
    alarm = client.post(
        "/api/alarms", json=csu_alarm("LB-1", description="Feeder <12> down"), headers=operator
    )
    incident_id = alarm.json()["alarms"][0]["incident_id"]
    client.post(
        f"/api/incidents/{incident_id}/actions",
        json={"action": "note", "text": "patrol sent"},
        headers=operator,
    )
    start = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    end = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    response = client.get("/api/logbook", params={"start": start, "end": end}, headers=operator)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["kind"] for r in rows] == ["alarm received", "camera attached", "note"]
    assert rows[-1]["author"] == "operator" and rows[-1]["entry"] == "patrol sent"
    assert rows[0]["incident"] == str(incident_id)
    local = datetime.strptime(rows[-1]["time"], "%d/%m/%Y %H:%M:%S")
    paris_now = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris"))
    assert abs((paris_now.replace(tzinfo=None) - local).total_seconds()) < 120
    page = client.get(
        "/api/logbook", params={"start": start, "end": end, "format": "html"}, headers=operator
    )
    assert page.headers["content-type"].startswith("text/html")
    assert "Feeder &lt;12&gt; down" in page.text and "<12>" not in page.text
    assert "Main courante : Testville" in page.text


def test_logbook_refuses_bad_periods(client: TestClient) -> None:
    """Naive times, inverted or over-long periods are 422 with a reason."""
    operator = login(client, "operator")
    naive = client.get(
        "/api/logbook",
        params={"start": "2026-11-25T00:00:00", "end": "2026-11-26T00:00:00"},
        headers=operator,
    )
    assert naive.status_code == 422 and "UTC offset" in naive.json()["detail"]
    long = client.get(
        "/api/logbook",
        params={"start": "2026-01-01T00:00:00Z", "end": "2026-03-01T00:00:00Z"},
        headers=operator,
    )
    assert long.status_code == 422 and "31 days" in long.json()["detail"]
    assert (
        client.get(
            "/api/logbook",
            params={"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"},
            headers=login(client, "privacy_officer"),
        ).status_code
        == 403
    )
