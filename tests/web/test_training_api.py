"""Who granted each authorisation and the agent's data-protection training over HTTP: the server
records the signed-in administrator as the granter (a client cannot name one), an administrator
enters the training day (logged with before, after and the reason first), and the authorisations
held without training are listed for administrators only."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from csu.identity.roles import Role
from tests.web.conftest import PASSWORD, login, services_of
from tests.web.test_users_api import WHY, grants


def _user(client: TestClient, headers: dict[str, str], name: str) -> dict[str, Any]:
    users = client.get("/api/users", headers=headers).json()
    found: dict[str, Any] = next(u for u in users if u["username"] == name)
    return found


def _entries(client: TestClient, action: str) -> list[dict[str, Any]]:
    return [
        {**e.model_dump(), "details": json.loads(e.details)}
        for e in services_of(client).access_log.entries()
        if e.action == action
    ]


def test_the_granter_is_the_signed_in_administrator_never_the_client(
    client: TestClient,
) -> None:
    admin = login(client, "admin")
    before = datetime.now(UTC)
    body = grants("cam-street", "cam-plaza")
    response = client.put("/api/users/street-only/grants", json=body, headers=admin)
    assert response.status_code == 200, response.text
    by_camera = {g["camera_id"]: g for g in response.json()["grants"]}
    assert by_camera["cam-plaza"]["granted_by"] == "admin"
    assert datetime.fromisoformat(by_camera["cam-plaza"]["granted_at"]) >= before
    # cam-street was held already, with the same expiry: who granted it is unchanged.
    assert by_camera["cam-street"]["granted_by"] is None
    # A client naming a granter is refused: only the server says who granted.
    forged = {**body, "grants": [{"camera_id": "cam-street", "granted_by": "mayor"}]}
    refused = client.put("/api/users/street-only/grants", json=forged, headers=admin)
    assert refused.status_code == 422 and "granted_by" in refused.text
    # A new expiry is a new decision: it carries its author.
    until = datetime.now(UTC) + timedelta(days=30)
    renewed = client.put(
        "/api/users/street-only/grants", json=grants("cam-street", until=until), headers=admin
    )
    (grant,) = renewed.json()["grants"]
    assert grant["granted_by"] == "admin"


def test_an_account_created_by_an_administrator_carries_its_granter(client: TestClient) -> None:
    admin = login(client, "admin")
    body = {"username": "new-agent", "role": "operator", "password": PASSWORD}
    made = client.post("/api/users", json={**body, "cameras": ["cam-street"]}, headers=admin)
    assert made.status_code == 201, made.text
    assert [g["granted_by"] for g in made.json()["grants"]] == ["admin"]


def test_an_administrator_records_the_training_day_logged_first(client: TestClient) -> None:
    admin = login(client, "admin")
    body = {"training_date": "2026-03-12", **WHY}
    response = client.put("/api/users/street-only/training", json=body, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["training_date"] == "2026-03-12"
    assert _user(client, admin, "street-only")["training_date"] == "2026-03-12"
    cleared = client.put(
        "/api/users/street-only/training", json={"training_date": None, **WHY}, headers=admin
    )
    assert cleared.json()["training_date"] is None
    entries = _entries(client, "admin.training_recorded")
    assert [(e["details"]["before"], e["details"]["after"]) for e in entries] == [
        (None, "2026-03-12"),
        ("2026-03-12", None),
    ]
    assert {(e["user"], e["reason"], e["outcome"]) for e in entries} == {
        ("admin", WHY["reason"], "granted")
    }


def test_bad_training_days_say_what_is_wrong(client: TestClient) -> None:
    admin = {**login(client, "admin"), "Accept-Language": "en"}
    ahead = (date.today() + timedelta(days=3)).isoformat()
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("street-only", {"training_date": ahead, **WHY}, 422, f"{ahead} is in the future"),
        ("street-only", {"training_date": "1970-01-01", **WHY}, 422, "1978-01-06"),
        ("street-only", {"training_date": "12/03/2026", **WHY}, 422, "training_date"),
        ("street-only", {"training_date": "2026-03-12T00:00:00", **WHY}, 422, "YYYY-MM-DD"),
        ("street-only", {"training_date": "2026-03-12"}, 422, "reason"),
        ("nobody", {"training_date": "2026-03-12", **WHY}, 404, "no user nobody"),
    ]
    for name, body, code, message in cases:
        response = client.put(f"/api/users/{name}/training", json=body, headers=admin)
        assert response.status_code == code, (body, response.text)
        assert message in response.json()["detail"], (body, response.text)
    assert _entries(client, "admin.training_recorded") == []


# The kiosk is refused before any right is looked at (test_forum_access walks every route).
@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.ADMIN, Role.PUBLIC_DISPLAY)])
def test_only_administrators_record_training_or_list_the_untrained(
    client: TestClient, role: Role
) -> None:
    headers = login(client, role.value)
    body = {"training_date": "2026-03-12", **WHY}
    refused = client.put(f"/api/users/{role.value}/training", json=body, headers=headers)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "no user-administration right"}
    assert client.get("/api/users/untrained", headers=headers).status_code == 403
    (entry,) = _entries(client, "admin.training_recorded")
    assert (entry["user"], entry["outcome"]) == (role.value, "denied")
    assert _user(client, login(client, "admin"), role.value)["training_date"] is None


def test_the_untrained_authorisations_in_force_are_listed(client: TestClient) -> None:
    admin = login(client, "admin")
    client.put("/api/users/street-only/grants", json=grants("cam-plaza"), headers=admin)
    for name in ("operator", "supervisor", "crisis", "admin"):
        body = {"training_date": "2026-01-05", **WHY}
        assert client.put(f"/api/users/{name}/training", json=body, headers=admin).is_success
    rows = client.get("/api/users/untrained", headers=admin).json()
    # 'expired' holds no grant in force; the privacy officer holds none at all.
    assert [(r["account"], r["role"], r["cameras"], r["granted_by"]) for r in rows] == [
        ("street-only", "operator", ["cam-plaza"], "admin")
    ]
    assert datetime.fromisoformat(rows[0]["granted_at"]) <= datetime.now(UTC)


def test_the_ethics_report_flags_an_untrained_authorisation_with_its_granter(
    client: TestClient,
) -> None:
    admin = login(client, "admin")
    client.put("/api/users/street-only/grants", json=grants("cam-plaza"), headers=admin)
    for name in ("operator", "supervisor", "crisis", "admin"):
        body = {"training_date": "2026-01-05", **WHY}
        assert client.put(f"/api/users/{name}/training", json=body, headers=admin).is_success
    # Deactivated since: it held the grant untrained within the period, so it is still listed.
    assert client.post("/api/users/street-only/deactivate", json=WHY, headers=admin).is_success
    officer = login(client, "privacy_officer")
    response = client.get("/api/reports/ethics?format=html", headers=officer)
    assert response.status_code == 200, response.text
    page = response.text
    section = page[page.index("8. Habilitations sans date de formation") :]
    section = section[: section.index("<h2", 10)] if "<h2" in section[10:] else section
    assert "1 habilitation détenue sur la période par un agent sans date de formation" in section
    (row,) = re.findall(r"<tr><td>street-only</td>.*?</tr>", section)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[:4] == ["street-only", "opérateur", "cam-plaza", "admin"]
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", cells[4]) and cells[5] == "compte désactivé"
    assert "sans date de formation" in cells[6]
    # Trained agents and the grant recorded already expired are not listed.
    for absent in ("supervisor", "crisis", "expired"):
        assert f">{absent}<" not in section
