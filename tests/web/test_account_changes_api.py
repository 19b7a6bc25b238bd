"""An administrator changes a role, resets a password, reactivates an account and sets one expiry
per camera grant over HTTP: each logged with the reason, each refusal a 4xx naming the problem."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, login, services_of
from tests.web.test_users_api import WHY, grants

NEW_PASSWORD = "my own passphrase 2027"


def _entries(client: TestClient, action: str) -> list[dict[str, Any]]:
    return [
        {**e.model_dump(), "details": json.loads(e.details)}
        for e in services_of(client).access_log.entries()
        if e.action == action
    ]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_role_change_ends_the_session_and_the_next_one_has_the_new_role(
    client: TestClient,
) -> None:
    admin = login(client, "admin")
    street = login(client, "street-only")
    client.cookies.clear()  # the bearer tokens alone speak for each account below
    body = {"role": "supervisor", **WHY}
    response = client.put("/api/users/street-only/role", json=body, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "supervisor"
    assert client.get("/api/cameras", headers=street).status_code == 401
    again = login(client, "street-only")
    assert client.get("/api/auth/me", headers=again).json()["role"] == "supervisor"
    (entry,) = _entries(client, "admin.role_changed")
    assert entry["user"] == "admin" and entry["reason"] == WHY["reason"]
    assert (entry["details"]["before"], entry["details"]["after"]) == ("operator", "supervisor")


def test_bad_role_changes_say_what_is_wrong(client: TestClient) -> None:
    admin = login(client, "admin")
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("operator", {"role": "janitor", **WHY}, 422, "body.role"),
        ("operator", {"role": "crisis"}, 422, "body.reason: Field required"),
        ("operator", {"role": "crisis", "reason": ""}, 422, "a reason is required"),
        ("nobody", {"role": "crisis", **WHY}, 404, "no user 'nobody'"),
        ("admin", {"role": "operator", **WHY}, 409, "you cannot change your own role"),
        ("operator", {"role": "operator", **WHY}, 409, "user 'operator' is already operator"),
        ("operator", {"role": "privacy_officer", **WHY}, 422, "camera authorisations first"),
    ]
    for name, body, code, message in cases:
        response = client.put(f"/api/users/{name}/role", json=body, headers=admin)
        assert response.status_code == code, (body, response.text)
        assert message in response.json()["detail"], (body, response.text)
    assert _entries(client, "admin.role_changed") == []


def test_after_a_reset_the_user_must_choose_a_new_password_first(client: TestClient) -> None:
    admin = login(client, "admin")
    street = login(client, "street-only")
    client.cookies.clear()
    response = client.post("/api/users/street-only/password-reset", json=WHY, headers=admin)
    assert response.status_code == 200, response.text
    temporary = response.json()["temporary_password"]
    assert response.json()["account"]["must_change_password"] is True
    assert client.get("/api/cameras", headers=street).status_code == 401
    old = {"username": "street-only", "password": PASSWORD}
    assert client.post("/api/auth/login", json=old).status_code == 401
    first = {"username": "street-only", "password": temporary}
    refused = client.post("/api/auth/login", json=first)
    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"].startswith("password change required")
    assert "csu_session" not in refused.cookies and client.get("/api/cameras").status_code == 401
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({**first, "new_password": "short"}, 422, "new_password must be at least 12 characters"),
        ({**first, "new_password": "password123"}, 422, "is one of the most common passwords"),
        ({**first, "new_password": temporary}, 422, "must differ from the current password"),
        ({**first}, 422, "body.new_password: Field required"),
        ({**first, "password": "wrong-password", "new_password": NEW_PASSWORD}, 401, "wrong"),
    ]
    for body, code, message in cases:
        answer = client.post("/api/auth/password", json=body)
        assert answer.status_code == code, (body, answer.text)
        assert message in answer.json()["detail"], (body, answer.text)
    changed = client.post("/api/auth/password", json={**first, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    client.cookies.clear()
    token = _bearer(changed.json()["access_token"])
    assert [c["id"] for c in client.get("/api/cameras", headers=token).json()] == ["cam-street"]
    assert client.post("/api/auth/login", json=first).status_code == 401
    login(client, "street-only", NEW_PASSWORD)
    (reset,) = _entries(client, "admin.password_reset")
    assert reset["user"] == "admin" and reset["reason"] == WHY["reason"]
    assert temporary not in json.dumps(reset, default=str)
    (mine,) = _entries(client, "auth.password_changed")
    assert mine["user"] == "street-only" and NEW_PASSWORD not in json.dumps(mine, default=str)
    listed = client.get("/api/users", headers=admin).json()
    assert not next(u for u in listed if u["username"] == "street-only")["must_change_password"]


def test_a_reactivated_account_signs_in_with_its_grants_as_they_were(client: TestClient) -> None:
    admin = login(client, "admin")
    off = client.post("/api/users/street-only/deactivate", json=WHY, headers=admin)
    assert off.status_code == 200, off.text
    on = client.post("/api/users/street-only/reactivate", json=WHY, headers=admin)
    assert on.status_code == 200, on.text
    assert on.json()["active"] is True and on.json()["grants"][0]["camera_id"] == "cam-street"
    street = login(client, "street-only")
    assert client.get("/api/cameras", headers=street).status_code == 200
    twice = client.post("/api/users/street-only/reactivate", json=WHY, headers=admin)
    assert twice.status_code == 409 and "is active" in twice.json()["detail"]
    unknown = client.post("/api/users/nobody/reactivate", json=WHY, headers=admin)
    assert unknown.status_code == 404
    silent = client.post("/api/users/street-only/reactivate", json={}, headers=admin)
    assert silent.status_code == 422 and "body.reason" in silent.json()["detail"]
    (entry,) = _entries(client, "admin.user_reactivated")
    assert entry["reason"] == WHY["reason"] and entry["details"]["username"] == "street-only"


def test_each_grant_has_its_own_expiry(client: TestClient) -> None:
    """Lengthening one grant leaves the other's expiry alone (one date per account shortened
    them all)."""
    admin = login(client, "admin")
    soon = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    later = (datetime.now(UTC) + timedelta(days=90)).replace(microsecond=0)

    def put(street: datetime | None, plaza: datetime | None) -> dict[str, datetime | None]:
        body = {
            "grants": [
                {"camera_id": "cam-street", "expires_at": street and street.isoformat()},
                {"camera_id": "cam-plaza", "expires_at": plaza and plaza.isoformat()},
            ],
            **WHY,
        }
        response = client.put("/api/users/street-only/grants", json=body, headers=admin)
        assert response.status_code == 200, response.text
        return {
            g["camera_id"]: g["expires_at"] and datetime.fromisoformat(g["expires_at"])
            for g in response.json()["grants"]
        }

    assert put(soon, None) == {"cam-street": soon, "cam-plaza": None}
    assert put(soon, later) == {"cam-street": soon, "cam-plaza": later}
    assert put(later, later) == {"cam-street": later, "cam-plaza": later}
    one = client.put("/api/users/street-only/grants", json=grants("cam-plaza"), headers=admin)
    assert [(g["camera_id"], g["expires_at"]) for g in one.json()["grants"]] == [
        ("cam-plaza", None)
    ]
