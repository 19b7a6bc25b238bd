"""Right-of-access requests in the register over HTTP: a person's request with the law's deadline,
kept apart from judicial requisitions by `kind`, followed and delivered like one, with the
exports made for it; operators are refused and the privacy officer reads only."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from privacy.access_log import AccessRecord
from tests.web.conftest import login, services_of
from tests.web.test_requisitions_api import RECEIVED, SPAN, URL, entries, french

ASKED: dict[str, Any] = {
    "kind": "access",
    "reference": "DA-2026-0007",
    "requester": "Mme Claire Martin",
    "received_at": "2026-11-26T09:00:00+01:00",
    "legal_basis": "gdpr_art15",
    "requested": [SPAN],
}


def test_an_access_request_gets_the_laws_deadline_and_is_delivered(client: TestClient) -> None:
    boss = french(login(client, "supervisor"))
    made = client.post(URL, json=ASKED, headers=boss)
    assert made.status_code == 201, made.text
    req = made.json()
    assert req["kind"] == "access" and req["requester"] == "Mme Claire Martin"
    assert req["authority"] is None and req["officer"] is None
    # One month on Paris's clock: the end of 26 December, 23:59:59 in Paris.
    assert req["deadline"].startswith("2026-12-26T22:59:59")
    old = client.post(
        URL,
        json={**ASKED, "reference": "DA-2026-0001", "received_at": "2026-10-01T10:00:00+02:00"},
        headers=boss,
    ).json()
    assert old["deadline"].startswith("2026-11-01T22:59:59") and old["late"] is True

    one = f"{URL}/{req['id']}"
    assert client.patch(one, json={"status": "in_progress"}, headers=boss).status_code == 200
    handover = {
        "recipient": "Mme Claire Martin",
        "handed_over_at": "2026-12-02T15:00:00Z",
        "medium": "téléchargement sécurisé",
        "receipt": "AR-2026-12",
    }
    done = client.patch(one, json={"status": "delivered", "handover": handover}, headers=boss)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "delivered" and done.json()["late"] is False
    update = entries(client, "requisition.update")[-1]
    assert update["requisition"] == "DA-2026-0007"
    assert update["details"]["before"]["kind"] == "access"
    assert update["details"]["after"]["recipient"] == "Mme Claire Martin"
    (created, _) = entries(client, "requisition.create")
    assert created["details"]["requester"] == "Mme Claire Martin"


def test_the_register_is_filtered_by_kind(client: TestClient) -> None:
    boss = french(login(client, "supervisor"))
    judicial = client.post(URL, json=RECEIVED, headers=boss).json()
    asked = client.post(URL, json=ASKED, headers=boss).json()
    assert judicial["kind"] == "judicial"
    ids = {
        k: [r["id"] for r in client.get(URL, params={"kind": k}, headers=boss).json()]
        for k in ("judicial", "access")
    }
    assert ids == {"judicial": [judicial["id"]], "access": [asked["id"]]}
    both = client.get(URL, params={"kind": "access", "status": "received"}, headers=boss).json()
    assert [r["id"] for r in both] == [asked["id"]]
    assert client.get(URL, params={"kind": "court"}, headers=boss).status_code == 422


def test_each_kind_is_refused_without_what_it_needs(client: TestClient) -> None:
    boss = french(login(client, "supervisor"))
    cases = [
        ({**ASKED, "deadline": "2027-01-31T00:00:00Z"}, "échéance"),
        ({**ASKED, "authority": "Parquet d'Angers"}, "sans autorité"),
        ({**ASKED, "legal_basis": "art. 15"}, "RGPD (art. 15)"),
        ({k: v for k, v in ASKED.items() if k != "requester"}, "la personne"),
        ({k: v for k, v in RECEIVED.items() if k != "officer"}, "l'officier"),
    ]
    for body, words in cases:
        refused = client.post(URL, json=body, headers=boss)
        assert refused.status_code == 422, refused.text
        assert words in refused.json()["detail"]
    assert client.get(URL, headers=boss).json() == []


def test_operators_are_refused_and_the_privacy_officer_reads_access_requests(
    client: TestClient,
) -> None:
    boss = french(login(client, "supervisor"))
    asked = client.post(URL, json=ASKED, headers=boss).json()
    operator = french(login(client, "operator"))
    assert client.post(URL, json=ASKED, headers=operator).status_code == 403
    assert client.get(URL, params={"kind": "access"}, headers=operator).status_code == 403
    officer = french(login(client, "privacy_officer"))
    listed = client.get(URL, params={"kind": "access"}, headers=officer)
    assert [r["reference"] for r in listed.json()] == ["DA-2026-0007"]
    refused = client.patch(
        f"{URL}/{asked['id']}", json={"status": "refused", "refusal_reason": "x"}, headers=officer
    )
    assert refused.status_code == 403
    assert client.post(URL, json=ASKED, headers=officer).status_code == 403
    denied = [(e["user"], e["details"].get("kind")) for e in entries(client, "requisition.read")]
    assert denied == [("operator", "access")]


def test_the_exports_made_for_a_request_are_read_from_the_access_log(client: TestClient) -> None:
    boss = french(login(client, "supervisor"))
    asked = client.post(URL, json=ASKED, headers=boss).json()
    log = services_of(client).access_log
    for reference, export_id in (("DA-2026-0007", "20261202T140000Z-0a1b2c3d"), ("PV-1", "x")):
        log.append(
            AccessRecord(
                action="video.export.done",
                user="supervisor",
                camera_id="cam-street",
                span_start=SPAN["start"],
                span_end=SPAN["end"],
                requisition=reference,
                details={
                    "export_id": export_id,
                    "purpose": "public_request",
                    "rendition": "anonymised",
                    "recipient": "Mme Claire Martin",
                },
            )
        )
    officer = login(client, "privacy_officer")
    detail = client.get(f"{URL}/{asked['id']}", headers=officer).json()
    (export,) = detail["exports"]
    assert export["id"] == "20261202T140000Z-0a1b2c3d"
    assert export["purpose"] == "public_request" and export["rendition"] == "anonymised"
    assert export["camera_id"] == "cam-street" and export["start"].startswith("2026-11-25T19:30")


def test_an_export_for_an_access_request_is_anonymised_whatever_the_page_asked(
    client: TestClient,
) -> None:
    boss = french(login(client, "supervisor"))
    assert client.post(URL, json=ASKED, headers=boss).status_code == 201
    asked = {**SPAN, "reason": "droit d'accès de Mme Martin", "requisition": "DA-2026-0007"}
    refused = client.post("/api/exports", json={**asked, "purpose": "judicial"}, headers=boss)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == (
        "la demande « DA-2026-0007 » est une demande de droit d'accès : "
        "son extraction est anonymisée (finalité demande d'accès)"
    )
    assert not entries(client, "video.export")  # refused before anything was logged
    made = client.post("/api/exports", json={**asked, "purpose": "public_request"}, headers=boss)
    assert made.status_code == 202, made.text
    assert made.json()["rendition"] == "anonymised"
    judicial = {**asked, "requisition": "PV-49-2026-0042", "purpose": "judicial"}
    assert client.post("/api/exports", json=judicial, headers=boss).status_code == 202
