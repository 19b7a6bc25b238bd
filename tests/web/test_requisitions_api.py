"""The requisitions register over HTTP: supervisors keep it, the privacy officer reads it, an
operator is refused; every change and refusal is in the access log; holds name a requisition."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import login, services_of

URL = "/api/requisitions"
SPAN = {
    "camera_id": "cam-street",
    "start": "2026-11-25T20:30:00+01:00",
    "end": "2026-11-25T22:00:00+01:00",
}
RECEIVED: dict[str, Any] = {
    "reference": "PV-49-2026-0042",
    "authority": "Parquet d'Angers",
    "officer": "OPJ Durand",
    "received_at": "2026-11-26T09:00:00+01:00",
    "legal_basis": "Art. 77-1-1 CPP",
    "requested": [SPAN],
    "deadline": "2026-12-03T18:00:00Z",
}


def french(headers: dict[str, str]) -> dict[str, str]:
    """The headers of a browser set to French, the site's language."""
    return {**headers, "Accept-Language": "fr"}


def entries(client: TestClient, action: str) -> list[dict[str, Any]]:
    """The access log's entries of one action, oldest first."""
    log = services_of(client).access_log.entries()
    found = [e.model_dump() for e in log if e.action == action]
    return [{**e, "details": json.loads(e["details"])} for e in found]


def test_a_requisition_is_recorded_followed_and_delivered(client: TestClient) -> None:
    boss = french(login(client, "supervisor"))
    made = client.post(URL, json=RECEIVED, headers=boss)
    assert made.status_code == 201, made.text
    req = made.json()
    assert req["status"] == "received" and req["holds"] == []
    assert req["received_at"].startswith("2026-11-26T08:00:00")
    assert req["requested"][0]["camera_id"] == "cam-street"
    one = f"{URL}/{req['id']}"

    hold = {
        "camera_id": "cam-street",
        "start": "2026-11-25T19:30:00Z",
        "end": "2026-11-25T21:00:00Z",
        "requisition": "PV-49-2026-0042",
        "officer": "OPJ Durand",
        "reason": "réquisition du parquet",
        "requisition_id": req["id"],
    }
    placed = client.post("/api/holds", json=hold, headers=boss)
    assert placed.status_code == 201, placed.text
    assert placed.json()["requisition_id"] == req["id"]
    unknown = client.post("/api/holds", json={**hold, "requisition_id": 999}, headers=boss)
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "aucune réquisition n° 999"

    moved = client.patch(one, json={"status": "in_progress"}, headers=boss)
    assert moved.status_code == 200, moved.text
    early = client.patch(one, json={"status": "delivered"}, headers=boss)
    assert early.status_code == 422, early.text
    assert "remise" in early.json()["detail"]
    handover = {
        "recipient": "OPJ Durand",
        "handed_over_at": "2026-11-28T10:00:00Z",
        "medium": "clé USB chiffrée",
        "receipt": "R-2026-17",
    }
    done = client.patch(one, json={"status": "delivered", "handover": handover}, headers=boss)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "delivered" and body["medium"] == "clé USB chiffrée"
    assert [h["id"] for h in body["holds"]] == [placed.json()["id"]]
    again = client.patch(one, json={"status": "refused", "refusal_reason": "x"}, headers=boss)
    assert again.status_code == 409
    assert (
        again.json()["detail"] == "une réquisition ne peut pas passer de « livrée » à « refusée »"
    )

    listed = client.get(URL, params={"status": "delivered"}, headers=boss).json()
    assert [r["id"] for r in listed] == [req["id"]]
    assert client.get(URL, params={"status": "received"}, headers=boss).json() == []
    updates = entries(client, "requisition.update")
    assert [
        (u["details"]["before"]["status"], u["details"]["after"]["status"]) for u in updates
    ] == [
        ("received", "in_progress"),
        ("in_progress", "delivered"),
    ]
    assert all(u["user"] == "supervisor" and u["outcome"] == "granted" for u in updates)
    (created,) = entries(client, "requisition.create")
    assert created["requisition"] == "PV-49-2026-0042"
    assert entries(client, "video.legal_hold")[0]["details"]["requisition_id"] == req["id"]


def test_operators_are_refused_and_the_privacy_officer_reads_only(client: TestClient) -> None:
    boss = french(login(client, "supervisor"))
    req = client.post(URL, json=RECEIVED, headers=boss).json()
    one = f"{URL}/{req['id']}"
    operator = french(login(client, "operator"))
    refused = client.post(URL, json=RECEIVED, headers=operator)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "vous n'avez pas le droit « gestion des réquisitions »"
    assert client.get(URL, headers=operator).status_code == 403
    officer = login(client, "privacy_officer")
    assert [r["id"] for r in client.get(URL, headers=officer).json()] == [req["id"]]
    assert client.get(one, headers=officer).json()["reference"] == "PV-49-2026-0042"
    change = client.patch(one, json={"status": "in_progress"}, headers=officer)
    assert change.status_code == 403
    assert client.get(one, headers=boss).json()["status"] == "received"
    denied = [
        (e.action, e.user)
        for e in services_of(client).access_log.entries()
        if e.outcome == "denied"
    ]
    assert denied == [
        ("requisition.create", "operator"),
        ("requisition.read", "operator"),
        ("requisition.update", "privacy_officer"),
    ]


def test_hostile_input_is_refused_by_name(client: TestClient) -> None:
    boss = french(login(client, "supervisor"))
    long = client.post(URL, json={**RECEIVED, "reference": "x" * 129}, headers=boss)
    assert long.status_code == 422
    backwards = {
        **RECEIVED,
        "requested": [{**SPAN, "end": "2026-11-25T19:00:00Z"}],
    }
    assert client.post(URL, json=backwards, headers=boss).status_code == 400
    assert client.get(f"{URL}/{2**31}", headers=boss).status_code == 422
    assert client.get(f"{URL}/77", headers=boss).status_code == 404
    assert client.get(URL, params={"status": "lost"}, headers=boss).status_code == 422
