"""Bookmarks over HTTP: created with the playback right on the camera, listed and searched,
every creation and listing (refusals too) in the access log; hostile input refused by name."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import login, services_of

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
URL = "/api/bookmarks"


def iso(seconds: float) -> str:
    """T0 plus seconds, as a browser writes it."""
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def entries(client: TestClient, action: str) -> list[dict[str, Any]]:
    """The access log's entries of one action, oldest first."""
    log = services_of(client).access_log.entries()
    found = [e.model_dump() for e in log if e.action == action]
    return [{**e, "details": json.loads(e["details"])} for e in found]


def mark(client: TestClient, headers: dict[str, str], **fields: Any) -> Any:
    """POST a bookmark (street camera at T0 by default)."""
    body = {"camera_id": "cam-street", "at": iso(0), "note": "scooter", **fields}
    return client.post(URL, json=body, headers=headers)


def test_a_bookmark_is_created_listed_searched_and_each_step_logged(client: TestClient) -> None:
    operator = login(client, "operator")
    made = mark(client, operator, at=iso(12.4), note="Scooter sans plaque, rue d'Alsace")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["camera_id"] == "cam-street" and body["created_by"] == "operator"
    assert datetime.fromisoformat(body["at"]) == T0 + timedelta(seconds=12.4)
    assert (
        mark(client, operator, camera_id="cam-plaza", at=iso(60), note="foule").status_code == 201
    )
    assert mark(client, operator, at=iso(3600), note="SCOOTER again").status_code == 201

    created = entries(client, "video.bookmark_create")
    assert [e["camera_id"] for e in created] == ["cam-street", "cam-plaza", "cam-street"]
    assert created[0]["outcome"] == "granted" and created[0]["user"] == "operator"
    assert created[0]["details"]["note"] == "Scooter sans plaque, rue d'Alsace"
    assert created[0]["span_start"] == T0 + timedelta(seconds=12.4)

    every = client.get(URL, headers=operator).json()
    assert [b["note"] for b in every] == [
        "Scooter sans plaque, rue d'Alsace",
        "foule",
        "SCOOTER again",
    ]
    words = client.get(URL, params={"q": "scooter"}, headers=operator).json()
    assert len(words) == 2
    ranged = client.get(
        URL,
        params={"q": "scooter", "start": iso(0), "end": iso(61), "camera_id": "cam-street"},
        headers=operator,
    ).json()
    assert [b["note"] for b in ranged] == ["Scooter sans plaque, rue d'Alsace"]
    plaza = client.get(URL, params={"camera_id": "cam-plaza"}, headers=operator).json()
    assert [b["note"] for b in plaza] == ["foule"]

    listed = entries(client, "video.bookmark_list")
    assert len(listed) == 4
    assert listed[1]["details"] == {"text": "scooter", "limit": 200}
    assert listed[2]["camera_id"] == "cam-street" and listed[2]["span_end"] == T0 + timedelta(
        seconds=61
    )


def test_rights_decide_who_marks_and_what_is_listed(client: TestClient) -> None:
    operator = login(client, "operator")
    assert mark(client, operator, camera_id="cam-plaza", note="plaza").status_code == 201
    street_only = login(client, "street-only")
    refused = mark(client, street_only, camera_id="cam-plaza")
    assert refused.status_code == 403
    assert "no playback right on camera 'cam-plaza'" in refused.json()["detail"]
    # The cameras outside the account's authorisations never appear in a listing.
    assert client.get(URL, headers=street_only).json() == []
    other = client.get(URL, params={"camera_id": "cam-plaza"}, headers=street_only)
    assert other.status_code == 403 and "cam-plaza" in other.json()["detail"]

    officer = login(client, "privacy_officer")
    assert mark(client, officer).status_code == 403
    listing = client.get(URL, headers=officer)
    assert listing.status_code == 403 and "playback" in listing.json()["detail"]

    denied = [e for e in entries(client, "video.bookmark_create") if e["outcome"] == "denied"]
    assert [(e["user"], e["camera_id"]) for e in denied] == [
        ("street-only", "cam-plaza"),
        ("privacy_officer", "cam-street"),
    ]
    listed = [e for e in entries(client, "video.bookmark_list") if e["outcome"] == "denied"]
    assert [e["user"] for e in listed] == ["street-only", "privacy_officer"]
    assert "why" in listed[1]["details"]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"note": ""}, "body.note"),
        ({"note": "x" * 2001}, "body.note"),
        ({"note": "nul\x00byte"}, "body.note"),
        ({"at": "yesterday"}, "body.at"),
        ({"at": "2026-11-20T08:00:00"}, "body.at"),
        ({"camera_id": "c" * 65}, "body.camera_id"),
        ({"incident_id": 0}, "body.incident_id"),
        ({"incident_id": 2**40}, "body.incident_id"),
        ({"extra": "field"}, "body.extra"),
    ],
)
def test_hostile_bookmarks_are_refused_by_name(
    client: TestClient, fields: dict[str, Any], problem: str
) -> None:
    response = mark(client, login(client, "operator"), **fields)
    assert response.status_code == 422, response.text
    assert problem in response.json()["detail"]


def test_unknown_camera_incident_and_backwards_range_say_so(client: TestClient) -> None:
    operator = login(client, "operator")
    unknown = mark(client, operator, camera_id="nope")
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    missing = mark(client, operator, incident_id=999)
    assert missing.status_code == 404 and "no incident 999" in missing.json()["detail"]
    backwards = client.get(URL, params={"start": iso(10), "end": iso(0)}, headers=operator)
    assert backwards.status_code == 400 and "after 'start'" in backwards.json()["detail"]
    # LIKE's wildcards are words like any other: '%' finds only a note that holds one.
    assert mark(client, operator, note="100% sûr").status_code == 201
    assert mark(client, operator, note="rien").status_code == 201
    found = client.get(URL, params={"q": "%"}, headers=operator).json()
    assert [b["note"] for b in found] == ["100% sûr"]
    assert client.get(URL, params={"q": "_"}, headers=operator).json() == []
    assert client.get(URL, params={"limit": 0}, headers=operator).status_code == 422
