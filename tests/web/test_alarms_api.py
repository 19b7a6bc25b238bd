"""Alarms in over HTTP, incidents out: the real app, real payloads, real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Match, Route

from tests.web.conftest import login, services_of


def csu_alarm(ext: str, **fields: object) -> dict[str, object]:
    """csu's own alarm JSON near the test street camera."""
    body: dict[str, object] = {
        "source": "hypervisor",
        "external_id": ext,
        "type": "lighting.feeder_down",
        "severity": "high",
        "occurred_at": (datetime.now(UTC) - timedelta(seconds=30)).isoformat(),
        "location": {"type": "Point", "coordinates": [-0.5499, 47.47]},
        "description": "Feeder 12 down, 18 lamps off",
        "data": {"cabinet": "C-12"},
    }
    body.update(fields)
    return body


def test_post_alarm_creates_then_updates(client: TestClient) -> None:
    """201 with the stored alarm; the same source + external id again is a 200 update."""
    headers = login(client, "operator")
    first = client.post("/api/alarms", json=csu_alarm("LUM-1"), headers=headers)
    assert first.status_code == 201, first.text
    alarm = first.json()["alarms"][0]
    assert alarm["type"] == "lighting.feeder_down" and alarm["created"] and alarm["incident_id"]
    again = client.post(
        "/api/alarms", json=csu_alarm("LUM-1", severity="critical"), headers=headers
    )
    assert again.status_code == 200 and again.json()["alarms"][0]["id"] == alarm["id"]
    listing = client.get("/api/alarms", headers=headers).json()
    assert listing["total"] == 1
    assert listing["items"][0]["alarm"]["severity"] == "critical"
    assert listing["items"][0]["data"] == {"cabinet": "C-12"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"source": "hypervisor", ', "JSON"),
        (json.dumps(csu_alarm("X", severity="apocalyptic")).encode(), "severity"),
        (
            json.dumps({k: v for k, v in csu_alarm("X").items() if k != "location"}).encode(),
            "location",
        ),
        (
            json.dumps(csu_alarm("X", type="lighting.feeder_dwn")).encode(),
            "did you mean 'lighting.feeder_down'",
        ),
    ],
)
def test_bad_alarms_get_422_and_are_kept(client: TestClient, body: bytes, message: str) -> None:
    """Each bad payload is answered with a message naming the problem and stored as rejected."""
    response = client.post(
        "/api/alarms",
        content=body,
        headers={**login(client, "operator"), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert message in response.json()["detail"]
    raw_id = response.json()["raw_id"]
    rejected = client.get("/api/alarms?rejected=true", headers=login(client, "admin")).json()
    assert rejected["total"] == 1
    assert rejected["items"][0]["raw_id"] == raw_id
    assert rejected["items"][0]["body"] == body.decode()


def test_wrong_content_type_is_415(client: TestClient) -> None:
    """XML sent to the JSON endpoint is refused with the types it accepts."""
    response = client.post(
        "/api/alarms",
        content=b"<alert/>",
        headers={**login(client, "operator"), "content-type": "text/xml"},
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


def test_rights_on_alarms(client: TestClient) -> None:
    """The privacy officer posts and reads no alarms; operators do not read rejected payloads."""
    assert (
        client.post(
            "/api/alarms", json=csu_alarm("A"), headers=login(client, "privacy_officer")
        ).status_code
        == 403
    )
    assert client.get("/api/alarms", headers=login(client, "privacy_officer")).status_code == 403
    refused = client.get("/api/alarms?rejected=true", headers=login(client, "operator"))
    assert refused.status_code == 403 and refused.json()["detail"] == "no rejected-alarm-read right"
    client.cookies.clear()  # the logins above left a session cookie
    assert client.post("/api/alarms", json=csu_alarm("A")).status_code == 401


def test_a_logged_out_token_posts_no_more_alarms(client: TestClient) -> None:
    """The intake remembers checked tokens for a few seconds, but logout forgets at once."""
    headers = login(client, "operator")
    assert client.post("/api/alarms", json=csu_alarm("T-1"), headers=headers).status_code == 201
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    client.cookies.clear()
    refused = client.post("/api/alarms", json=csu_alarm("T-2"), headers=headers)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "session expired or invalid"


def test_cap_files_go_through_the_cap_endpoint(client: TestClient, shared_data: Path) -> None:
    """Every CAP example posts; the thunderstorm's polygon is stored as GeoJSON."""
    headers = {**login(client, "operator"), "content-type": "application/cap+xml"}
    for path in sorted((shared_data / "alarms" / "cap").glob("*.xml")):
        response = client.post("/api/alarms/cap", content=path.read_bytes(), headers=headers)
        assert response.status_code in (200, 201), (path.name, response.text)
    alarms = client.get("/api/alarms?limit=50", headers=headers).json()["items"]
    storm = next(a for a in alarms if "thunderstorm" in a["alarm"]["description"].lower())
    assert storm["location"]["type"] == "Polygon"


def test_cap_with_a_bad_offset_is_refused(client: TestClient, shared_data: Path) -> None:
    """A sent time with a +25:00 offset is a 422 naming `sent`."""
    xml = (shared_data / "alarms" / "cap" / "oasis-A1_homeland-security.xml").read_bytes()
    bad = xml.replace(b"-05:00</sent>", b"+25:00</sent>", 1)
    assert bad != xml
    response = client.post(
        "/api/alarms/cap",
        content=bad,
        headers={**login(client, "operator"), "content-type": "application/xml"},
    )
    assert response.status_code == 422 and "sent" in response.json()["detail"]


def test_ngsi_ld_alert_with_link_header(client: TestClient, shared_data: Path) -> None:
    """The FIWARE traffic-jam Alert (NGSI-LD, context in a Link header) is stored as traffic.jam."""
    body = json.loads(
        (shared_data / "alarms" / "fiware-alert" / "Alert_example-normalized.jsonld").read_text()
    )
    body.pop("@context", None)
    headers = {
        **login(client, "operator"),
        "content-type": "application/json",
        "link": '<https://smartdatamodels.org/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"',
    }
    response = client.post("/api/alarms/ngsi-ld", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["alarms"][0]["type"] == "traffic.jam"


def test_incident_lifecycle_over_http(client: TestClient) -> None:
    """The alarm's incident is listed with its camera, then acknowledged, noted and escalated."""
    operator = login(client, "operator")
    alarm = client.post("/api/alarms", json=csu_alarm("LUM-9"), headers=operator).json()["alarms"][
        0
    ]
    incident_id = alarm["incident_id"]
    listed = client.get("/api/incidents?status=new", headers=operator).json()
    assert [i["id"] for i in listed] == [incident_id]
    assert listed[0]["cameras"] == ["cam-street"]
    actions = client.post
    url = f"/api/incidents/{incident_id}/actions"
    assert (
        actions(url, json={"action": "acknowledge"}, headers=operator).json()["status"]
        == "acknowledged"
    )
    assert (
        actions(
            url, json={"action": "note", "text": "patrol on its way"}, headers=operator
        ).status_code
        == 200
    )
    conflict = actions(url, json={"action": "status", "status": "new"}, headers=operator)
    assert (
        conflict.status_code == 409
        and "cannot go from acknowledged to new" in conflict.json()["detail"]
    )
    escalated = actions(
        url, json={"action": "escalate", "text": "crisis cell"}, headers=operator
    ).json()
    assert escalated["escalated"] is True
    detail = client.get(f"/api/incidents/{incident_id}", headers=login(client, "crisis")).json()
    kinds = [e["kind"] for e in detail["timeline"]]
    assert {"alarm_received", "camera_attached", "acknowledged", "note", "escalated"} <= set(kinds)
    assert detail["procedure"][0]["done"] is False
    crisis_act = actions(url, json={"action": "note", "text": "x"}, headers=login(client, "crisis"))
    assert crisis_act.status_code == 403
    assert client.get("/api/incidents/999999", headers=operator).status_code == 404


def test_a_stopped_engine_is_503(client: TestClient) -> None:
    """Once the engine has stopped (csu shutting down), posts and actions get 503 with the
    reason, and nothing more is stored."""
    headers = login(client, "operator")
    incident_id = client.post("/api/alarms", json=csu_alarm("K-1"), headers=headers).json()[
        "alarms"
    ][0]["incident_id"]
    services_of(client).incidents.engine.stop()
    refused = client.post("/api/alarms", json=csu_alarm("K-2"), headers=headers)
    assert refused.status_code == 503, refused.text
    assert refused.json()["detail"] == "incident engine stopped"
    assert refused.headers["retry-after"] == "1"
    action = client.post(
        f"/api/incidents/{incident_id}/actions", json={"action": "acknowledge"}, headers=headers
    )
    assert action.status_code == 503 and action.json()["detail"] == "incident engine stopped"
    listed = client.get("/api/alarms", headers=headers).json()
    assert listed["total"] == 1 and listed["items"][0]["alarm"]["external_id"] == "K-1"


def test_intake_is_served_by_the_plain_routes_and_still_documented(client: TestClient) -> None:
    """The hot path skips FastAPI's routing and dependencies; the OpenAPI document keeps it."""
    app = client.app
    for path in ("/api/alarms", "/api/alarms/cap", "/api/alarms/ngsi-ld"):
        scope = {"type": "http", "path": path, "method": "POST", "root_path": ""}
        served = next(r for r in app.router.routes if r.matches(scope)[0] == Match.FULL)
        assert type(served) is Route, path
    paths = client.get("/openapi.json").json()["paths"]
    assert {"post"} <= set(paths["/api/alarms"]) and "post" in paths["/api/alarms/cap"]
    headers = login(client, "operator")
    listed = client.get("/api/alarms", headers=headers)  # GET falls through to FastAPI
    assert listed.status_code == 200, listed.text
