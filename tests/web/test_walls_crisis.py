"""The crisis room: escalation opens a crisis, the crisis wall switches, the report tells all."""

from __future__ import annotations

import asyncio
from typing import Any

from aiortc import RTCConfiguration, RTCPeerConnection
from fastapi.testclient import TestClient
from sqlmodel import select

from privacy.access_log import AccessLogEntry, AccessRecord
from tests.web.conftest import login, services_of
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_walls import cameras_of, site, wait_layout

__all__ = ["site"]  # the module's site fixture: the test site with its crisis-room wall


def open_incident(client: TestClient, headers: dict[str, str], ext: str) -> int:
    """Post an alarm by the street camera; the incident it opened."""
    answer = client.post("/api/alarms", json=csu_alarm(ext), headers=headers)
    assert answer.status_code == 201, answer.text
    incident: int = answer.json()["alarms"][0]["incident_id"]
    return incident


def kinds(state: dict[str, Any]) -> list[str]:
    return [t["kind"] for t in state["layout"]["tiles"]]


def test_escalation_opens_a_crisis_and_switches_the_crisis_wall(client: TestClient) -> None:
    """Escalating an incident opens a crisis; the crisis-room wall shows its layout at once."""
    operator = login(client, "operator")
    incident = open_incident(client, operator, "CRISIS-1")
    main = wait_layout(
        client,
        operator,
        "csu-main",
        lambda s: any(t["incident_id"] == incident for t in s["layout"]["tiles"]),
    )
    escalate = {"action": "escalate", "text": "water in the underpass"}
    answer = client.post(f"/api/incidents/{incident}/actions", json=escalate, headers=operator)
    assert answer.status_code == 200, answer.text
    room = wait_layout(client, operator, "crisis-room", lambda s: s["mode"] == "crisis")
    assert {"map", "timeline", "crisis_log", "camera"} <= set(kinds(room))
    timeline = next(t for t in room["layout"]["tiles"] if t["kind"] == "timeline")
    assert timeline["incident_id"] == incident
    assert cameras_of(room)[0] == "cam-street"
    current = client.get("/api/crises/current", headers=operator).json()
    assert current["incidents"] == [incident] and current["participants"] == ["operator"]
    assert room["crisis_id"] == current["id"]
    detail = client.get(f"/api/crises/{current['id']}", headers=login(client, "crisis")).json()
    assert [e["kind"] for e in detail["log"]] == ["event", "action"]
    assert "escaladé par operator : water in the underpass" in detail["log"][1]["text"]
    after = client.get("/api/walls/csu-main/layout", headers=operator).json()
    assert after["mode"] == "auto" and after["layout"] == main["layout"]


def test_crisis_log_close_restores_the_wall_and_freezes_the_report(client: TestClient) -> None:
    """Decisions are logged; closing restores the wall and the report lists decisions, incidents,
    the cameras shown and who watched them."""
    supervisor, crisis_cell = login(client, "supervisor"), login(client, "crisis")
    incident = open_incident(client, supervisor, "CRISIS-2")
    before = wait_layout(client, supervisor, "crisis-room", lambda s: len(cameras_of(s)) == 2)
    opened = client.post(
        "/api/crises", json={"title": "Flooding", "incidents": [incident]}, headers=supervisor
    )
    assert opened.status_code == 201, opened.text
    crisis = opened.json()["id"]
    wait_layout(client, supervisor, "crisis-room", lambda s: s["crisis_id"] == crisis)
    again = client.post("/api/crises", json={"title": "Another"}, headers=supervisor)
    assert again.status_code == 409
    decision = {"kind": "decision", "text": "Close the underpass to traffic"}
    logged = client.post(f"/api/crises/{crisis}/log", json=decision, headers=crisis_cell)
    assert logged.status_code == 201 and "crisis" in logged.json()["participants"]
    services_of(client).access_log.append(
        AccessRecord(action="video.live", user="operator", role="operator", camera_id="cam-street")
    )
    draft = client.get(f"/api/crises/{crisis}/report", headers=crisis_cell)
    assert draft.status_code == 200 and "rapport provisoire" in draft.text
    closed = client.post(
        f"/api/crises/{crisis}/close", json={"text": "water gone"}, headers=supervisor
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    back = wait_layout(client, supervisor, "crisis-room", lambda s: s["mode"] == "auto")
    assert kinds(back) == kinds(before)
    report = client.get(f"/api/crises/{crisis}/report", headers=crisis_cell)
    assert report.headers["content-type"].startswith("text/html")
    for expected in ("Flooding", "Close the underpass to traffic", "Feeder 12 down", "Street"):
        assert expected in report.text
    assert "operator (opérateur), 1 ouverture en direct à partir de " in report.text
    assert "crise close : water gone" in report.text
    late = client.post(f"/api/crises/{crisis}/log", json=decision, headers=crisis_cell)
    assert late.status_code == 409
    assert client.get(f"/api/crises/{crisis}/report", headers=crisis_cell).text == report.text


def test_crisis_refusals_name_the_problem(client: TestClient) -> None:
    """Unknown crisis or incident: 404; the privacy officer has no crisis right."""
    operator = login(client, "operator")
    assert client.get("/api/crises/999", headers=operator).status_code == 404
    bad = client.post("/api/crises", json={"title": "x", "incidents": [999]}, headers=operator)
    assert bad.status_code == 404 and "incident 999" in bad.json()["detail"]
    officer = client.get("/api/crises", headers=login(client, "privacy_officer"))
    assert officer.status_code == 403 and "crisis-read" in officer.json()["detail"]


def test_a_participant_no_database_stores_is_422_and_the_crisis_still_closes(
    client: TestClient,
) -> None:
    """A participant named with a NUL was taken, then written raw into the frozen report: on
    PostgreSQL every close of that crisis failed (500) for good. Now 422 naming the field."""
    operator = login(client, "operator")
    bad = {"title": "Flood", "participants": ["op\x00erator"]}
    refused = client.post("/api/crises", json=bad, headers=operator)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith("body.participants.0: "), refused.text
    opened = client.post("/api/crises", json={"title": "Flood"}, headers=operator)
    assert opened.status_code == 201, opened.text
    url = f"/api/crises/{opened.json()['id']}"
    joined = client.post(f"{url}/participants", json={"username": "a\x00"}, headers=operator)
    assert joined.status_code == 422, joined.text
    assert joined.json()["detail"].startswith("body.username: "), joined.text
    closed = client.post(f"{url}/close", json={"text": "water down"}, headers=operator)
    assert closed.status_code == 200, closed.text


async def _offer() -> str:
    peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    peer.addTransceiver("video", direction="recvonly")
    await peer.setLocalDescription(await peer.createOffer())
    sdp: str = peer.localDescription.sdp
    await peer.close()
    return sdp


def test_a_wall_gets_its_own_rendition_whoever_is_signed_in(client: TestClient) -> None:
    """Through the crisis wall, even an operator gets the anonymised rendition (logged so)."""
    operator = login(client, "operator") | {"Content-Type": "application/sdp"}
    wait_layout(client, operator, "crisis-room", lambda s: "cam-street" in cameras_of(s))
    offer = asyncio.run(_offer())
    url = "/api/walls/crisis-room/cameras/cam-street/whep"
    answer = client.post(url, content=offer, headers=operator)
    assert answer.status_code == 201, answer.text
    assert answer.headers["location"].startswith("/api/cameras/cam-street/whep/")
    with services_of(client).db.session() as session:
        query = select(AccessLogEntry).where(AccessLogEntry.action == "video.live")
        entries = list(session.exec(query))
    assert '"rendition": "anonymised"' in entries[-1].details
    assert entries[-1].user == "operator"
    assert client.delete(answer.headers["location"], headers=operator).status_code == 204
    elsewhere = client.post(
        "/api/walls/crisis-room/cameras/cam-nope/whep", content=offer, headers=operator
    )
    assert elsewhere.status_code == 409 and "not on wall" in elsewhere.json()["detail"]
