"""Recordings and legal holds over HTTP: spans and gaps, permissions, the access log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.web.conftest import login, services_of
from video.recording.index import Segment

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def index_segment(client: TestClient, camera_id: str, start_s: float, end_s: float) -> None:
    """An index row for a recorded segment (the listing reads times only)."""
    index = services_of(client).recordings.index
    start, end = T0 + timedelta(seconds=start_s), T0 + timedelta(seconds=end_s)
    path = index.root / camera_id / "zones" / "x" / f"{start_s}.ts"
    index.add(Segment(camera_id, "zones", path, start, end, 1000))


def iso(seconds: float) -> str:
    """T0 plus seconds, as the API writes it."""
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def as_times(items: list[dict[str, str]]) -> list[tuple[datetime, datetime]]:
    """Spans or gaps from a JSON answer as datetimes."""
    return [(datetime.fromisoformat(i["start"]), datetime.fromisoformat(i["end"])) for i in items]


def at(seconds: float) -> datetime:
    """T0 plus seconds."""
    return T0 + timedelta(seconds=seconds)


def test_recordings_lists_spans_and_gaps(client: TestClient) -> None:
    for a, b in [(0, 10), (10.01, 20), (20, 30), (60, 70), (70, 80)]:
        index_segment(client, "cam-street", a, b)
    index_segment(client, "cam-plaza", 0, 100)
    headers = login(client, "operator")
    response = client.get(
        "/api/cameras/cam-street/recordings",
        params={"start": iso(-5), "end": iso(75)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["camera_id"] == "cam-street"
    assert as_times(body["spans"]) == [(at(0), at(30)), (at(60), at(75))]
    assert as_times(body["gaps"]) == [(at(-5), at(0)), (at(30), at(60))]


def test_recordings_refusals_name_the_problem(client: TestClient) -> None:
    operator = login(client, "operator")
    url = "/api/cameras/cam-street/recordings"
    missing = client.get(url, params={"end": iso(10)}, headers=operator)
    assert missing.status_code == 422 and "query.start: Field required" in missing.json()["detail"]
    bad = client.get(url, params={"start": iso(0), "end": "yesterday"}, headers=operator)
    assert bad.status_code == 422 and "query.end: Input should be" in bad.json()["detail"]
    backwards = client.get(url, params={"start": iso(10), "end": iso(0)}, headers=operator)
    assert backwards.status_code == 400 and "after 'start'" in backwards.json()["detail"]
    privacy = login(client, "privacy_officer")
    denied = client.get(url, params={"start": iso(0), "end": iso(10)}, headers=privacy)
    assert denied.status_code == 403 and "playback" in denied.json()["detail"]
    street_only = login(client, "street-only")
    other = client.get(
        "/api/cameras/cam-plaza/recordings",
        params={"start": iso(0), "end": iso(10)},
        headers=street_only,
    )
    assert other.status_code == 403
    unknown = client.get(
        "/api/cameras/nope/recordings", params={"start": iso(0), "end": iso(1)}, headers=operator
    )
    assert unknown.status_code == 404


def test_recordings_refusals_are_logged_with_why(client: TestClient) -> None:
    """A refused listing of recorded footage is a denied entry naming the missing right."""
    params = {"start": iso(0), "end": iso(10)}
    refused = client.get(
        "/api/cameras/cam-plaza/recordings", params=params, headers=login(client, "street-only")
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "no playback right on camera 'cam-plaza'"
    officer = client.get(
        "/api/cameras/cam-street/recordings",
        params=params,
        headers=login(client, "privacy_officer"),
    )
    assert officer.status_code == 403
    denied = [
        (e.user, e.camera_id, json.loads(e.details))
        for e in services_of(client).access_log.entries()
        if e.action == "video.playback" and e.outcome == "denied"
    ]
    assert denied == [
        (
            "street-only",
            "cam-plaza",
            {
                "request": "recorded spans",
                "why": "no unexpired authorisation on camera 'cam-plaza'",
            },
        ),
        (
            "privacy_officer",
            "cam-street",
            {"request": "recorded spans", "why": "the privacy_officer role has no playback right"},
        ),
    ]


def hold_body(**fields: object) -> dict[str, object]:
    """A requisition for an hour of the street camera."""
    body: dict[str, object] = {
        "camera_id": "cam-street",
        "start": iso(0),
        "end": iso(3600),
        "requisition": "PV-49-2026-0042",
        "officer": "OPJ Durand, commissariat d'Angers",
        "reason": "theft on rue Lenepveu",
    }
    body.update(fields)
    return body


def hold_entries(client: TestClient) -> list[tuple[str, str | None, str, str | None]]:
    """(action, user, outcome, requisition) of every hold entry in the access log."""
    log = services_of(client).access_log
    return [
        (e.action, e.user, e.outcome, e.requisition)
        for e in log.entries()
        if e.action.startswith("video.legal_hold")
    ]


def test_holds_are_permissioned_logged_listed_and_released(client: TestClient) -> None:
    operator = login(client, "operator")
    refused = client.post("/api/holds", json=hold_body(), headers=operator)
    assert refused.status_code == 403 and "legal-hold" in refused.json()["detail"]
    assert hold_entries(client) == [("video.legal_hold", "operator", "denied", "PV-49-2026-0042")]
    supervisor = login(client, "supervisor")
    no_reason = client.post("/api/holds", json=hold_body(reason=""), headers=supervisor)
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    placed = client.post("/api/holds", json=hold_body(), headers=supervisor)
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    assert hold["active"] and hold["placed_by"] == "supervisor"
    assert datetime.fromisoformat(hold["end"]) == T0 + timedelta(hours=1)
    assert hold_entries(client)[-1] == (
        "video.legal_hold",
        "supervisor",
        "granted",
        "PV-49-2026-0042",
    )
    listed = client.get("/api/holds", headers=login(client, "admin"))
    assert listed.status_code == 200 and [h["id"] for h in listed.json()] == [hold["id"]]
    assert client.get("/api/holds", headers=operator).status_code == 403

    released = client.post(
        f"/api/holds/{hold['id']}/release", json={"reason": "case closed"}, headers=supervisor
    )
    assert released.status_code == 200 and not released.json()["active"]
    assert released.json()["release_reason"] == "case closed"
    assert hold_entries(client)[-1][:3] == ("video.legal_hold_release", "supervisor", "granted")
    again = client.post(
        f"/api/holds/{hold['id']}/release", json={"reason": "twice"}, headers=supervisor
    )
    assert again.status_code == 409
    missing = client.post("/api/holds/999/release", json={"reason": "x"}, headers=supervisor)
    assert missing.status_code == 404
    active = client.get("/api/holds", params={"active": "true"}, headers=supervisor)
    assert active.json() == []
    unknown = client.post("/api/holds", json=hold_body(camera_id="nope"), headers=supervisor)
    assert unknown.status_code == 404
