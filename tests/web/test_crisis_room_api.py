"""What the crisis page needs of the API: decisions about an incident, salvos the crisis cell
recalls, the rights a page offers, and crisis changes on the event stream."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import login
from tests.web.test_events_ws import _receive_until
from tests.web.test_walls import site, wait_layout, wall_is_filled
from tests.web.test_walls_crisis import open_incident

__all__ = ["site"]  # the test site with its crisis-room wall


def test_a_decision_names_its_incident_which_joins_the_crisis(client: TestClient) -> None:
    """A decision about an incident not yet under the crisis attaches it; the log and the report
    say which incident it concerns; an unknown incident is 404 and nothing is written."""
    supervisor, cell = login(client, "supervisor"), login(client, "crisis")
    first = open_incident(client, supervisor, "ROOM-1")
    opened = client.post("/api/crises", json={"title": "Crue"}, headers=cell)
    assert opened.status_code == 201, opened.text
    url = f"/api/crises/{opened.json()['id']}"
    decision = {"text": "Fermer le passage souterrain", "incident_id": first}
    written = client.post(f"{url}/log", json=decision, headers=cell)
    assert written.status_code == 201, written.text
    assert written.json()["incidents"] == [first]
    unknown = client.post(f"{url}/log", json={"text": "x", "incident_id": 999}, headers=cell)
    assert unknown.status_code == 404 and "incident 999" in unknown.json()["detail"]
    log = client.get(url, headers=cell).json()["log"]
    assert [(e["kind"], e["incident_id"]) for e in log] == [
        ("event", None),
        ("event", first),
        ("decision", first),
    ]
    assert log[2]["author"] == "crisis" and log[2]["text"] == decision["text"]
    report = client.get(f"{url}/report", headers=cell).text
    assert f"crise, incident {first}" in report


def test_the_crisis_cell_recalls_salvos_but_saves_none(client: TestClient) -> None:
    """Recalling a salvo is the crisis cell's one command on a wall; saving one is not."""
    operator, cell = login(client, "operator"), login(client, "crisis")
    wait_layout(client, operator, "csu-main", wall_is_filled)
    client.put("/api/walls/csu-main/layout", json={"template": "1"}, headers=operator)
    saved = client.post("/api/walls/csu-main/salvos", json={"name": "Plan A"}, headers=operator)
    assert saved.status_code == 201, saved.text
    client.put("/api/walls/csu-main/layout", json={"template": "2x2"}, headers=operator)
    recalled = client.post("/api/walls/csu-main/salvos/Plan A/recall", headers=cell)
    assert recalled.status_code == 200, recalled.text
    assert recalled.json()["layout"]["template"] == "1"
    refused = client.post("/api/walls/csu-main/salvos", json={"name": "B"}, headers=cell)
    assert refused.status_code == 403 and "wall-control" in refused.json()["detail"]
    officer = client.post(
        "/api/walls/csu-main/salvos/Plan A/recall", headers=login(client, "privacy_officer")
    )
    assert officer.status_code == 403 and "wall-salvo" in officer.json()["detail"]


def test_me_names_the_rights_a_page_may_offer(client: TestClient) -> None:
    """The crisis cell may act on crises and recall salvos; the administrator reads crises only."""
    cell = client.get("/api/auth/me", headers=login(client, "crisis")).json()
    assert {"crisis.act", "wall.salvo"} <= set(cell["rights"])
    assert "wall.control" not in cell["rights"]
    admin = client.get("/api/auth/me", headers=login(client, "admin")).json()
    assert "crisis.read" in admin["rights"] and "crisis.act" not in admin["rights"]


def test_crisis_changes_reach_the_event_stream_of_those_who_read_crises(
    client: TestClient,
) -> None:
    """Opening a crisis and writing a decision are pushed to the crisis page live."""
    cell = login(client, "crisis")
    with client.websocket_connect("/api/events", headers=cell) as ws:
        opened = client.post("/api/crises", json={"title": "Tempête"}, headers=cell).json()
        client.post(f"/api/crises/{opened['id']}/log", json={"text": "Go"}, headers=cell)
        got = _receive_until(ws, lambda m: m["type"] == "crisis" and m["change"] == "log")
    changes = [m["change"] for m in got if m["type"] == "crisis"]
    assert changes == ["opened", "log"]
    assert got[-1]["crisis"]["title"] == "Tempête"
