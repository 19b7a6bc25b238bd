"""Privacy-zone edits over HTTP: a reason always, and a second person for any unmasked pixel.

Through the real app on SQLite and PostgreSQL: adding coverage applies at once; removing or
shrinking it is stored pending (202) until another administrator or the privacy officer
confirms it, and every step is in the access log with its reason.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from csu.identity import service as identity
from csu.identity.roles import Role
from tests.web.conftest import PASSWORD, login, services_of
from tests.web.test_snapshots_and_zones import STREET_ZONE, _is_mask, _region, _snapshot

ZONES_URL = "/api/cameras/cam-street/privacy-zones"
CHANGES_URL = "/api/privacy-zone-changes"
STREET = [[[0.04, 0.09], [0.46, 0.09], [0.46, 0.51], [0.04, 0.51]]]  # the site file's zone
EXTRA = [[0.6, 0.6], [0.9, 0.6], [0.9, 0.95], [0.6, 0.95]]


def zone_entries(client: TestClient) -> list[dict[str, Any]]:
    """Access-log entries about privacy zones, oldest first, details decoded."""
    found = []
    for e in services_of(client).access_log.entries():
        if e.action.startswith("privacy."):
            found.append({**e.model_dump(), "details": json.loads(e.details)})
    return found


def in_force(client: TestClient) -> list[list[list[float]]]:
    """The zones the running camera burns in now."""
    return services_of(client).cameras.privacy_zones("cam-street")


def put(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    """PUT the zones of cam-street."""
    return client.put(ZONES_URL, headers=headers, json=body)


def second_admin(client: TestClient) -> dict[str, str]:
    """A second administrator's session."""
    with services_of(client).db.session() as session:
        identity.create_user(
            session, username="admin2", role=Role.ADMIN, password=PASSWORD, cameras=["*"]
        )
    return login(client, "admin2")


def test_every_zone_edit_needs_a_reason(client: TestClient) -> None:
    """No reason, or a blank one: 422 naming it, nothing changed, nothing logged as done."""
    admin = login(client, "admin")
    missing = put(client, admin, {"zones": []})
    assert missing.status_code == 422
    assert missing.json() == {"detail": "body.reason: Field required"}
    blank = put(client, admin, {"zones": [], "reason": "   "})
    assert blank.status_code == 422
    assert blank.json()["detail"] == "body.reason: Value error, a reason is required"
    assert in_force(client) == STREET
    assert zone_entries(client) == []


def test_adding_coverage_applies_at_once_logged_with_its_reason(client: TestClient) -> None:
    """Every old zone still covered: 200, burned in from the next frame, logged with the why."""
    admin = login(client, "admin")
    answer = put(client, admin, {"zones": [*STREET, EXTRA], "reason": "new flats, 3rd floor"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "camera_id": "cam-street",
        "state": "applied",
        "zones": [*STREET, EXTRA],
        "space": "picture",
        "change": None,
        "notes": [],
    }
    assert in_force(client) == [*STREET, EXTRA]
    [entry] = zone_entries(client)
    assert (entry["action"], entry["user"], entry["outcome"]) == (
        "privacy.zone_edit",
        "admin",
        "granted",
    )
    assert entry["reason"] == "new flats, 3rd floor"
    assert entry["details"]["before"] == STREET and entry["details"]["after"] == [*STREET, EXTRA]
    assert entry["details"]["effect"] == "applied" and entry["details"]["unmasked_share"] == 0
    time.sleep(0.3)  # a few frames at 25 fps
    assert _is_mask(_region(_snapshot(client, admin), (0.6, 0.6, 0.9, 0.95)))


def test_removing_every_zone_waits_for_the_privacy_officer(client: TestClient) -> None:
    """The attack: one admin call removing all zones. Now 202, masked until someone else agrees."""
    admin = login(client, "admin")
    asked = put(client, admin, {"zones": [], "reason": "camera moved"})
    assert asked.status_code == 202, asked.text
    body = asked.json()
    assert (body["state"], body["zones"]) == ("pending", STREET)
    change = body["change"]
    assert (change["state"], change["before"], change["after"]) == ("pending", STREET, [])
    assert change["requested_by"] == "admin" and change["reason"] == "camera moved"
    assert change["description"] == (
        "1 zone now, 0 zones after the change; 17.9 % of the picture would no longer be masked"
    )
    assert 0.17 < change["unmasked_share"] < 0.19
    assert in_force(client) == STREET
    time.sleep(0.3)
    assert _is_mask(_region(_snapshot(client, admin), STREET_ZONE))

    # The requester may never confirm it: refused, and the refusal is logged with why.
    own = client.post(f"{CHANGES_URL}/{change['id']}/confirm", headers=admin, json={"reason": "ok"})
    assert own.status_code == 403
    assert own.json()["detail"] == (
        f"change '{change['id']}' was asked for by you: another administrator"
        " or the privacy officer must confirm it"
    )
    officer = login(client, "privacy_officer")
    [listed] = client.get(CHANGES_URL, headers=officer).json()
    assert listed == change
    confirmed = client.post(
        f"{CHANGES_URL}/{change['id']}/confirm",
        headers=officer,
        json={"reason": "the camera now faces the car park, no home in view"},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "confirmed"
    assert confirmed.json()["decided_by"] == "privacy_officer"
    assert in_force(client) == []
    assert client.get(CHANGES_URL, headers=officer).json() == []
    deadline = time.monotonic() + 10
    while _is_mask(_region(_snapshot(client, admin), STREET_ZONE)):
        assert time.monotonic() < deadline, "the confirmed change was not burned in"
        time.sleep(0.1)
    again = client.post(
        f"{CHANGES_URL}/{change['id']}/refuse", headers=officer, json={"reason": "oops"}
    )
    assert again.status_code == 409
    assert again.json()["detail"] == f"change '{change['id']}' was confirmed already"

    entries = [(e["action"], e["user"], e["outcome"], e["reason"]) for e in zone_entries(client)]
    assert entries == [
        ("privacy.zone_edit", "admin", "granted", "camera moved"),
        ("privacy.zone_confirm", "admin", "denied", "ok"),
        (
            "privacy.zone_confirm",
            "privacy_officer",
            "granted",
            "the camera now faces the car park, no home in view",
        ),
    ]
    request, denial, decision = zone_entries(client)
    assert request["details"]["effect"] == "pending"
    assert request["details"]["change"] == change["id"]
    assert denial["details"]["why"] == "the requester of a change may not confirm it"
    assert decision["details"]["decision"] == "confirmed"
    assert (decision["details"]["before"], decision["details"]["after"]) == (STREET, [])
    # Saved: in force again after a restart is what the zones table says.
    with services_of(client).db.session() as session:
        stored = session.execute(sa.text("SELECT zones FROM privacy_zones")).scalars().all()
    assert [json.loads(z) for z in stored] == [[]]


def test_a_second_administrator_refuses_and_the_zones_stay(client: TestClient) -> None:
    """Refused: nothing changes; the requester may withdraw their own change too."""
    admin, other = login(client, "admin"), second_admin(client)
    shrunk = [[[0.04, 0.09], [0.3, 0.09], [0.3, 0.51], [0.04, 0.51]]]
    first = put(client, admin, {"zones": shrunk, "reason": "trim"}).json()["change"]
    assert first["unmasked_share"] > 0.05
    refused = client.post(
        f"{CHANGES_URL}/{first['id']}/refuse", headers=other, json={"reason": "a window is there"}
    )
    assert refused.status_code == 200
    assert (refused.json()["state"], refused.json()["decided_by"]) == ("refused", "admin2")
    assert refused.json()["decision_reason"] == "a window is there"
    assert in_force(client) == STREET
    second = put(client, admin, {"zones": shrunk, "reason": "trim, again"}).json()["change"]
    withdrawn = client.post(
        f"{CHANGES_URL}/{second['id']}/refuse", headers=admin, json={"reason": "withdrawn"}
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "refused"
    assert in_force(client) == STREET
    every = client.get(CHANGES_URL, params={"state": ""}, headers=other)
    assert every.status_code == 422  # an empty state is not a state
    decided = client.get(CHANGES_URL, params={"state": "refused"}, headers=other).json()
    assert [c["id"] for c in decided] == [second["id"], first["id"]]


def test_one_pending_change_per_camera_a_later_edit_replaces_it(client: TestClient) -> None:
    """A second request replaces the first, and so does an edit that applies at once."""
    admin, other = login(client, "admin"), second_admin(client)
    first = put(client, admin, {"zones": [], "reason": "one"}).json()["change"]
    second = put(client, admin, {"zones": [EXTRA], "reason": "two"}).json()["change"]
    pending = client.get(CHANGES_URL, headers=other).json()
    assert [c["id"] for c in pending] == [second["id"]]
    late = client.post(f"{CHANGES_URL}/{first['id']}/confirm", headers=other, json={"reason": "x"})
    assert late.status_code == 409
    assert late.json()["detail"] == f"change '{first['id']}' was replaced by a later edit"
    added = put(client, admin, {"zones": [*STREET, EXTRA], "reason": "three"})
    assert added.status_code == 200 and in_force(client) == [*STREET, EXTRA]
    assert client.get(CHANGES_URL, headers=other).json() == []
    replaced = client.get(CHANGES_URL, params={"state": "replaced"}, headers=other).json()
    assert {c["id"] for c in replaced} == {first["id"], second["id"]}
    requests = [e for e in zone_entries(client) if e["action"] == "privacy.zone_edit"]
    assert [e["details"].get("replaces") for e in requests] == [None, first["id"], second["id"]]


def test_pending_changes_expire_after_a_week(client: TestClient) -> None:
    """Past its expiry a change can no longer be confirmed; the expiry is logged."""
    admin, officer = login(client, "admin"), login(client, "privacy_officer")
    change = put(client, admin, {"zones": [], "reason": "old"}).json()["change"]
    requested = change["requested_at"].replace("Z", "+00:00")
    expires = change["expires_at"].replace("Z", "+00:00")
    week = datetime.fromisoformat(expires) - datetime.fromisoformat(requested)
    assert week.days == 7
    with services_of(client).db.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE privacy_zone_changes SET expires_at = requested_at WHERE id = :i"),
            {"i": change["id"]},
        )
    assert client.get(CHANGES_URL, headers=officer).json() == []
    late = client.post(
        f"{CHANGES_URL}/{change['id']}/confirm", headers=officer, json={"reason": "x"}
    )
    assert late.status_code == 409 and late.json()["detail"].endswith("has expired")
    assert in_force(client) == STREET
    [expiry] = [e for e in zone_entries(client) if e["action"] == "privacy.zone_change_expired"]
    assert (expiry["camera_id"], expiry["user"]) == ("cam-street", None)
    assert expiry["details"]["change"] == change["id"]


def test_a_change_asked_against_other_zones_cannot_be_confirmed(client: TestClient) -> None:
    """If the zones in force moved on (site file edited, say), the change is stale: 409."""
    admin, officer = login(client, "admin"), login(client, "privacy_officer")
    change = put(client, admin, {"zones": [], "reason": "x"}).json()["change"]
    services_of(client).cameras.apply_privacy_zones("cam-street", [EXTRA])
    stale = client.post(
        f"{CHANGES_URL}/{change['id']}/confirm", headers=officer, json={"reason": "y"}
    )
    assert stale.status_code == 409
    assert "changed since change" in stale.json()["detail"]
    assert in_force(client) == [EXTRA]


def test_who_may_see_and_decide_changes(client: TestClient) -> None:
    """Operators may neither list nor decide; their attempt is logged; unknown ids are 404."""
    admin, operator = login(client, "admin"), login(client, "operator")
    change = put(client, admin, {"zones": [], "reason": "x"}).json()["change"]
    assert put(client, operator, {"zones": [], "reason": "x"}).status_code == 403
    listed = client.get(CHANGES_URL, headers=operator)
    assert listed.status_code == 403
    assert listed.json() == {"detail": "no privacy-zone-confirm right"}
    decided = client.post(
        f"{CHANGES_URL}/{change['id']}/confirm", headers=operator, json={"reason": "me"}
    )
    assert decided.status_code == 403 and decided.json() == {
        "detail": "no privacy-zone-confirm right"
    }
    officer = login(client, "privacy_officer")
    unknown = client.post(f"{CHANGES_URL}/nope/confirm", headers=officer, json={"reason": "y"})
    assert unknown.status_code == 404 and unknown.json() == {
        "detail": "no privacy-zone change 'nope'"
    }
    no_reason = client.post(f"{CHANGES_URL}/{change['id']}/refuse", headers=officer, json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    denials = [
        (e["action"], e["user"], e["details"]["why"])
        for e in zone_entries(client)
        if e["outcome"] == "denied"
    ]
    assert denials == [
        ("privacy.zone_edit", "operator", "the operator role has no privacy-zone-edit right"),
        ("privacy.zone_confirm", "operator", "the operator role has no privacy-zone-confirm right"),
    ]
    assert in_force(client) == STREET
