"""A one-hour crisis with a 300-lamp storm: the log book and the crisis report stay short (the
storm is one line), every decision and note is there, and the raw detail is one step away."""

from __future__ import annotations

import csv
import io
from html import escape

from fastapi.testclient import TestClient

from crisis.report import ANNEX_MARK
from tests.web.conftest import login
from tests.web.storm_scenario import DECISIONS, LAMPS, NOTES, one_hour

# The stated bounds, for a one-hour crisis of one incident with a storm of 300 lamp alarms.
LOGBOOK_MAX_LINES = 20  # grouped log book: at most 20 lines (half a printed page)
REPORT_MAX_ROWS = 40  # the report proper: at most 40 table rows (about 2 printed pages)
REPORT_MAX_BYTES = 12_000  # and under 12 kB of HTML (measured: 24 rows, 5.1 kB)


def test_one_hour_logbook_and_report_stay_short_with_every_decision(client: TestClient) -> None:
    scenario = one_hour(client)
    operator, cell = login(client, "operator"), login(client, "crisis")
    period = {"start": scenario.start.isoformat(), "end": scenario.end.isoformat()}

    grouped = client.get("/api/logbook", params=period, headers=operator)
    rows = list(csv.DictReader(io.StringIO(grouped.text)))
    assert len(rows) <= LOGBOOK_MAX_LINES, len(rows)
    (storm,) = [r for r in rows if r["kind"] == "alarm group"]
    assert storm["entry"].startswith(f"{LAMPS} alarmes «\u00a0Point lumineux éteint\u00a0», ")
    assert storm["entry"].endswith(f", {LAMPS} sources")
    assert [r["entry"] for r in rows if r["kind"] == "note"] == list(NOTES)
    raw = client.get("/api/logbook", params={**period, "view": "all"}, headers=operator)
    assert len(list(csv.DictReader(io.StringIO(raw.text)))) > LAMPS
    people = client.get("/api/logbook", params={**period, "view": "people"}, headers=operator)
    people_rows = list(csv.DictReader(io.StringIO(people.text)))
    assert {r["kind"] for r in people_rows} == {
        "acknowledged",
        "status change",
        "note",
        "escalated",
    }
    page = client.get("/api/logbook", params={**period, "format": "html"}, headers=operator)
    assert page.status_code == 200 and len(page.text) < 6_000, len(page.text)

    report = client.get(f"/api/crises/{scenario.crisis_id}/report", headers=cell).text
    proper, annex = report.split(ANNEX_MARK)
    assert proper.count("<tr>") <= REPORT_MAX_ROWS, proper.count("<tr>")
    assert len(proper.encode()) < REPORT_MAX_BYTES, len(proper.encode())
    for text in (*DECISIONS, *NOTES, "Whole district dark", "crise close : lamps back"):
        assert escape(text) in proper, text
    assert proper.count(f"{LAMPS} alarmes «\u00a0Point lumineux éteint") == 1
    assert "Lamp 299 off" not in proper and "Lamp 299 off" in annex
    assert annex.count("<tr>") > LAMPS and "page-break-before: always" in proper
