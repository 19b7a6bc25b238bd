"""The Forum's remarks over HTTP: the kiosk posts (202 pending) and reads what is published,
staff moderate and export (logged), the rate limit answers 429 with Retry-After in French,
a contact stays private, and hostile input gets a clear 4xx."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import login, services_of

POST = "/api/forum/remarks"
GOOD = {"lat": 47.4712, "lon": -0.5518, "text": "Passage sous la gare inondé", "consent": False}


def send(client: TestClient, kiosk: dict[str, str], **fields: Any) -> Any:
    """POST a remark from the kiosk (the good one, changed by `fields`)."""
    return client.post(POST, json={**GOOD, **fields}, headers=kiosk)


def logged(client: TestClient, prefix: str) -> list[dict[str, Any]]:
    """The access log's entries whose action starts with `prefix`."""
    found = [e.model_dump() for e in services_of(client).access_log.entries()]
    return [
        {**e, "details": json.loads(e["details"])} for e in found if e["action"].startswith(prefix)
    ]


def test_a_remark_is_sent_moderated_and_published_without_its_contact(client: TestClient) -> None:
    kiosk, supervisor = login(client, "public_display"), login(client, "supervisor")
    sent = send(client, kiosk, contact="claire@example.org", consent=True, lat=47.471249)
    assert sent.status_code == 202, sent.text
    assert sent.json()["status"] == "pending"
    other = send(client, kiosk, text="Publicité", lat=47.46).json()["id"]
    assert client.get(POST, headers=kiosk).json() == []  # nothing published yet

    pending = client.get("/api/remarks", headers=supervisor).json()
    assert [(r["id"], r["has_contact"]) for r in pending] == [
        (sent.json()["id"], True),
        (other, False),
    ]
    assert "claire@example.org" not in json.dumps(pending)  # moderators need no contact

    rid = sent.json()["id"]
    assert client.post(f"/api/remarks/{rid}/publish", headers=supervisor).status_code == 200
    no_reason = client.post(f"/api/remarks/{other}/refuse", json={}, headers=supervisor)
    assert no_reason.status_code == 422
    refused = client.post(
        f"/api/remarks/{other}/refuse", json={"reason": "publicité"}, headers=supervisor
    )
    assert refused.json()["refusal_reason"] == "publicité"
    again = client.post(f"/api/remarks/{other}/publish", headers=supervisor)
    assert again.status_code == 409

    public = client.get(POST, headers=kiosk)
    assert public.status_code == 200
    [shown] = public.json()
    assert shown["text"] == GOOD["text"] and (shown["lat"], shown["lon"]) == (47.471, -0.552)
    assert len(shown["published_on"]) == 10 and "claire" not in public.text
    listed = client.get("/api/remarks", params={"status": "refused"}, headers=supervisor).json()
    assert [r["refusal_reason"] for r in listed] == ["publicité"]

    moderation = logged(client, "remarks.")
    assert [e["action"] for e in moderation] == [
        "remarks.list",
        "remarks.publish",
        "remarks.refuse",
        "remarks.list",
    ]
    assert all(e["user"] == "supervisor" for e in moderation)
    assert moderation[2]["details"]["reason"] == "publicité"


def test_rights_kiosk_posts_and_reads_staff_moderate(client: TestClient) -> None:
    kiosk = login(client, "public_display")
    rid = send(client, kiosk).json()["id"]
    for who in ("public_display", "operator", "crisis", "privacy_officer"):
        headers = login(client, who)
        assert client.get("/api/remarks", headers=headers).status_code == 403, who
        assert client.post(f"/api/remarks/{rid}/publish", headers=headers).status_code == 403
        assert client.get("/api/remarks/export", headers=headers).status_code == 403
    for who in ("operator", "supervisor", "admin"):
        assert send(client, login(client, who)).status_code == 403, who
        assert client.get(POST, headers=login(client, who)).status_code == 403, who
    client.cookies.clear()  # the last sign-in's cookie would speak for the request
    assert client.post(POST, json=GOOD).status_code == 401
    admin = login(client, "admin")
    assert client.post(f"/api/remarks/{rid}/publish", headers=admin).status_code == 200


def test_a_contact_needs_consent_and_the_place_the_city(client: TestClient) -> None:
    kiosk = login(client, "public_display")
    fr = {**kiosk, "Accept-Language": "fr"}
    no_consent = send(client, fr, contact="claire@example.org")
    assert no_consent.status_code == 422
    assert "accord" in no_consent.json()["detail"]
    outside = send(client, fr, lat=48.8566, lon=2.3522)
    assert outside.status_code == 422 and "limites de la ville" in outside.json()["detail"]
    assert client.get("/api/remarks", headers=login(client, "supervisor")).json() == []


def test_the_kiosk_is_rate_limited_with_retry_after_in_its_language(client: TestClient) -> None:
    kiosk = {**login(client, "public_display"), "Accept-Language": "fr"}
    assert [send(client, kiosk).status_code for _ in range(5)] == [202] * 5
    refused = send(client, kiosk)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 12
    assert refused.json()["detail"].startswith("trop de remarques pour l'instant")
    english = send(client, {**kiosk, "Accept-Language": "en"})
    assert english.json()["detail"].startswith("too many remarks for now")


def test_the_export_for_the_services(client: TestClient) -> None:
    kiosk, supervisor = login(client, "public_display"), login(client, "supervisor")
    with_contact = send(client, kiosk, contact="+33 6 12 34 56 78", consent=True).json()["id"]
    published = send(client, kiosk, text="Banc cassé").json()["id"]
    refused = send(client, kiosk, text="Insulte", contact="z@z.fr", consent=True).json()["id"]
    client.post(f"/api/remarks/{published}/publish", headers=supervisor)
    client.post(f"/api/remarks/{refused}/refuse", json={"reason": "insulte"}, headers=supervisor)

    rows = client.get("/api/remarks/export", params={"format": "json"}, headers=supervisor).json()
    assert [(r["id"], r["status"], r["contact"]) for r in rows] == [
        (with_contact, "pending", "+33 6 12 34 56 78"),
        (published, "published", None),
    ]
    exported = client.get("/api/remarks/export", params={"format": "csv"}, headers=supervisor)
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    read = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["text"] for r in read] == [GOOD["text"], "Banc cassé"]
    assert read[0]["contact"] == "'+33 6 12 34 56 78"  # kept text, never a formula
    assert "z@z.fr" not in exported.text and "Insulte" not in exported.text
    assert [e["details"]["format"] for e in logged(client, "remarks.export")] == ["json", "csv"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"lat": NaN, "lon": -0.55, "text": "x"}', 422),
        ('{"lat": 1e400, "lon": -0.55, "text": "x"}', 422),
        ('{"lat": 47.47, "lon": -0.55, "text": "\\ud800"}', 422),
        ('{"lat": 47.47, "lon": -0.55, "text": "x", "contact": "\\udfff", "consent": true}', 422),
        ('{"lat": 47.47, "lon": -0.55, "text": "x", "extra": 1}', 422),
        ('{"lat": "47.47", "lon": -0.55, "text": "' + "x" * 1001 + '"}', 422),
        ("not json", 422),
        ('{"lat": 47.47, "lon": -0.55, "text": "' + "x" * 40_000 + '"}', 400),
    ],
)
def test_hostile_bodies_get_a_clear_4xx(client: TestClient, body: str, expected: int) -> None:
    kiosk = {**login(client, "public_display"), "Content-Type": "application/json"}
    answer = client.post(POST, content=body.encode(), headers=kiosk)
    assert answer.status_code == expected, answer.text
    assert isinstance(answer.json()["detail"], str)


def test_ids_past_any_column_are_refused_by_name(client: TestClient) -> None:
    supervisor = login(client, "supervisor")
    for rid in (2**64, 2**31, 0, -1):
        answer = client.post(f"/api/remarks/{rid}/publish", headers=supervisor)
        assert answer.status_code == 422, rid
    assert client.post("/api/remarks/2147483647/publish", headers=supervisor).status_code == 404
    bad = client.get("/api/remarks", params={"status": "lost"}, headers=supervisor)
    assert bad.status_code == 422


def test_the_purge_is_scheduled_nightly_with_the_set_retention(client: TestClient) -> None:
    services = services_of(client)
    jobs = {job.id: job for job in services.scheduler.jobs()}
    assert jobs["retention.remarks"].func_ref.endswith("purge_job")
    assert services.remarks is not None and services.remarks.retention_days == 180
