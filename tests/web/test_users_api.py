"""Accounts and authorisations over HTTP: admins only, every change logged before it applies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from csu.identity.roles import Role
from tests.privacy.logtools import refuse_log_writes
from tests.web.conftest import PASSWORD, login, services_of
from tests.web.test_alarms_api import csu_alarm

NEW_PASSWORD = "a-long-password-7"
WHY = {"reason": "ticket 4711"}


def grants(*cameras: str, until: datetime | None = None) -> dict[str, Any]:
    """A grants body: these cameras until one moment (or none), with a reason."""
    expiry = until.isoformat() if until else None
    return {"grants": [{"camera_id": c, "expires_at": expiry} for c in cameras], **WHY}


def _entries(client: TestClient, action: str) -> list[dict[str, Any]]:
    return [
        {**e.model_dump(), "details": json.loads(e.details)}
        for e in services_of(client).access_log.entries()
        if e.action == action
    ]


def _user(client: TestClient, headers: dict[str, str], name: str) -> dict[str, Any]:
    users = client.get("/api/users", headers=headers).json()
    found: dict[str, Any] = next(u for u in users if u["username"] == name)
    return found


def test_admin_lists_accounts_with_grants_and_expiry(client: TestClient) -> None:
    """Every account, its role and state, and each authorisation with its expiry."""
    admin = login(client, "admin")
    response = client.get("/api/users", headers=admin)
    assert response.status_code == 200, response.text
    users = {u["username"]: u for u in response.json()}
    assert {"admin", "operator", "privacy_officer", "street-only", "expired"} <= set(users)
    assert users["street-only"]["role"] == "operator" and users["street-only"]["active"]
    (street,) = users["street-only"]["grants"]
    granted_at = datetime.fromisoformat(street.pop("granted_at"))
    # Seeded straight into the database: no administrator granted it.
    assert street == {
        "camera_id": "cam-street",
        "expires_at": None,
        "expired": False,
        "granted_by": None,
    }
    assert granted_at <= datetime.now(UTC)
    assert users["street-only"]["training_date"] is None
    (grant,) = users["expired"]["grants"]
    assert grant["camera_id"] == "*" and grant["expired"] is True
    assert datetime.fromisoformat(grant["expires_at"]) < datetime.now(UTC)
    assert "password_hash" not in users["admin"]


# The Forum's kiosk is refused before any of this (tests/web/test_forum_access.py).
@pytest.mark.parametrize("role", [r for r in Role if r not in {Role.ADMIN, Role.PUBLIC_DISPLAY}])
def test_only_admins_manage_accounts(client: TestClient, role: Role) -> None:
    """Other roles get 403 naming the right; a refused change is logged as denied."""
    headers = login(client, role.value)
    assert client.get("/api/users", headers=headers).status_code == 403
    body = {"username": "mallory", "role": "admin", "password": NEW_PASSWORD}
    response = client.post("/api/users", json=body, headers=headers)
    assert response.status_code == 403
    assert response.json() == {"detail": "no user-administration right"}
    changed = client.put("/api/users/street-only/grants", json=grants("*"), headers=headers)
    assert changed.status_code == 403
    for method, path, body in [
        ("PUT", "/api/users/street-only/role", {"role": "admin", **WHY}),
        ("POST", "/api/users/street-only/password-reset", WHY),
        ("POST", "/api/users/expired/reactivate", WHY),
        ("POST", "/api/users/street-only/deactivate", WHY),
    ]:
        refused = client.request(method, path, json=body, headers=headers)
        assert refused.json() == {"detail": "no user-administration right"}, path
    denied = [e for e in _entries(client, "admin.user_created") if e["user"] == role.value]
    assert [e["outcome"] for e in denied] == ["denied"]
    changes = [e for e in _entries(client, "admin.grants_changed") if e["user"] == role.value]
    assert [e["outcome"] for e in changes] == ["denied"]
    assert (
        client.post(
            "/api/auth/login", json={"username": "mallory", "password": NEW_PASSWORD}
        ).status_code
        == 401
    )


def test_admin_creates_an_account_that_can_log_in_logged_first(client: TestClient) -> None:
    """The new account logs in and sees its camera; the creation entry names the admin."""
    admin = login(client, "admin")
    expiry = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    body = {
        "username": "night.op",
        "role": "operator",
        "password": NEW_PASSWORD,
        "cameras": ["cam-plaza"],
        "expires_at": expiry.isoformat(),
    }
    response = client.post("/api/users", json=body, headers=admin)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["username"] == "night.op" and created["active"] is True
    assert [(g["camera_id"], g["expired"]) for g in created["grants"]] == [("cam-plaza", False)]
    assert datetime.fromisoformat(created["grants"][0]["expires_at"]) == expiry
    (entry,) = [e for e in _entries(client, "admin.user_created") if e["user"] == "admin"]
    assert entry["outcome"] == "granted"
    assert entry["details"]["username"] == "night.op"
    assert entry["details"]["cameras"] == ["cam-plaza"]
    assert entry["details"]["expires_at"] == expiry.isoformat()
    assert NEW_PASSWORD not in json.dumps(entry, default=str)
    night = login(client, "night.op", NEW_PASSWORD)
    cameras = client.get("/api/cameras", headers=night).json()
    assert [c["id"] for c in cameras] == ["cam-plaza"]


def test_bad_account_requests_say_what_is_wrong(client: TestClient) -> None:
    """Unknown role or camera, duplicate name, weak password, past expiry: 4xx naming it."""
    admin = login(client, "admin")
    good = {"username": "new.one", "role": "operator", "password": NEW_PASSWORD}
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({**good, "role": "janitor"}, 422, "body.role"),
        ({**good, "cameras": ["cam-moon"]}, 422, "unknown camera 'cam-moon'"),
        ({**good, "username": "operator"}, 409, "user 'operator' already exists"),
        ({**good, "password": "short"}, 422, "body.password: must be at least 12 characters"),
        ({**good, "password": "password"}, 422, "is one of the most common passwords"),
        ({**good, "password": "Azerty123456!"}, 422, "is one of the most common passwords"),
        ({**good, "password": "new.one-on-duty"}, 422, "must not contain the account's name"),
        ({**good, "username": "Bad Name"}, 422, "body.username"),
        ({**good, "cameras": ["*", "cam-street"]}, 422, "'*' (all cameras) must be the only"),
        ({**good, "expires_at": past}, 422, "is in the past"),
        ({**good, "role": "privacy_officer", "cameras": ["cam-street"]}, 422, "privacy officer"),
    ]
    for body, code, message in cases:
        response = client.post("/api/users", json=body, headers=admin)
        assert response.status_code == code, (body, response.text)
        assert message in response.json()["detail"], (body, response.text)
    names = {u["username"] for u in client.get("/api/users", headers=admin).json()}
    assert "new.one" not in names and "Bad Name" not in names
    assert [e for e in _entries(client, "admin.user_created") if e["user"] == "admin"] == []


def test_grants_are_replaced_logged_with_before_and_after(client: TestClient) -> None:
    """street-only moves from the street to the plaza until a date; the log has both states."""
    admin = login(client, "admin")
    street = login(client, "street-only")
    assert client.get("/api/cameras/cam-plaza/snapshot.jpg", headers=street).status_code == 403
    until = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    response = client.put(
        "/api/users/street-only/grants", json=grants("cam-plaza", until=until), headers=admin
    )
    assert response.status_code == 200, response.text
    assert [g["camera_id"] for g in response.json()["grants"]] == ["cam-plaza"]
    (entry,) = [e for e in _entries(client, "admin.grants_changed") if e["user"] == "admin"]
    assert entry["details"]["before"] == {"cam-street": None}
    assert entry["details"]["after"] == {"cam-plaza": until.isoformat()}
    assert entry["details"]["username"] == "street-only" and entry["reason"] == WHY["reason"]
    assert [c["id"] for c in client.get("/api/cameras", headers=street).json()] == ["cam-plaza"]
    assert client.get("/api/cameras/cam-street/snapshot.jpg", headers=street).status_code == 403
    assert _user(client, admin, "street-only")["grants"][0]["camera_id"] == "cam-plaza"
    emptied = client.put("/api/users/street-only/grants", json=grants(), headers=admin)
    assert emptied.status_code == 200 and emptied.json()["grants"] == []


def test_bad_grant_requests_say_what_is_wrong(client: TestClient) -> None:
    """Unknown user 404, unknown camera 422, extra field, no reason, a camera twice, a past
    expiry 422; nothing changes or is logged."""
    admin = login(client, "admin")
    past = datetime.now(UTC) - timedelta(hours=1)
    twice = grants("cam-street", "cam-street")
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("nobody", grants("cam-street"), 404, "no user 'nobody'"),
        ("operator", grants("cam-moon"), 422, "unknown camera 'cam-moon'"),
        ("operator", {**grants(), "role": "admin"}, 422, "body.role"),
        ("operator", {"grants": []}, 422, "body.reason: Field required"),
        ("operator", {"grants": [], "reason": "  "}, 422, "a reason is required"),
        ("operator", {"cameras": ["*"], **WHY}, 422, "body.grants: Field required"),
        ("operator", twice, 422, "camera 'cam-street' listed more than once"),
        ("operator", grants("cam-plaza", until=past), 422, "body.grants.0.expires_at"),
        ("privacy_officer", grants("cam-street"), 422, "privacy officer"),
    ]
    for name, body, code, message in cases:
        response = client.put(f"/api/users/{name}/grants", json=body, headers=admin)
        assert response.status_code == code, (name, response.text)
        assert message in response.json()["detail"], (name, response.text)
    assert _user(client, admin, "operator")["grants"][0]["camera_id"] == "*"
    assert [e for e in _entries(client, "admin.grants_changed") if e["user"] == "admin"] == []


def test_deactivation_ends_sessions_and_logins_and_is_logged(client: TestClient) -> None:
    """A deactivated operator's open session stops working and it cannot log in again."""
    admin = login(client, "admin")
    operator = login(client, "operator")
    client.cookies.clear()  # the bearer tokens alone speak for each account below
    assert client.get("/api/cameras", headers=operator).status_code == 200
    # A posting client's token is remembered by the alarm intake; deactivation forgets it.
    alarm = csu_alarm("D-1")
    assert client.post("/api/alarms", json=alarm, headers=operator).status_code == 201
    response = client.post("/api/users/operator/deactivate", json=WHY, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    assert client.get("/api/cameras", headers=operator).status_code == 401
    assert client.post("/api/alarms", json=alarm, headers=operator).status_code == 401
    again = client.post("/api/auth/login", json={"username": "operator", "password": PASSWORD})
    assert again.status_code == 401
    (entry,) = _entries(client, "admin.user_deactivated")
    assert entry["user"] == "admin" and entry["details"]["username"] == "operator"
    assert entry["reason"] == WHY["reason"]
    twice = client.post("/api/users/operator/deactivate", json=WHY, headers=admin)
    assert twice.status_code == 409 and "deactivated" in twice.json()["detail"]
    changed = client.put("/api/users/operator/grants", json=grants(), headers=admin)
    assert changed.status_code == 409
    itself = client.post("/api/users/admin/deactivate", json=WHY, headers=admin)
    assert itself.status_code == 409 and "your own account" in itself.json()["detail"]
    unknown = client.post("/api/users/nobody/deactivate", json=WHY, headers=admin)
    assert unknown.status_code == 404
    silent = client.post("/api/users/street-only/deactivate", headers=admin)
    assert silent.status_code == 422 and "body: Field required" in silent.json()["detail"]


def test_no_change_without_its_log_entry(client: TestClient) -> None:
    """With the access log refusing writes, creation and grant changes are 503 and not applied."""
    admin = login(client, "admin")
    db = services_of(client).db
    refuse_log_writes(db)
    body = {"username": "ghost", "role": "operator", "password": NEW_PASSWORD}
    assert client.post("/api/users", json=body, headers=admin).status_code == 503
    put = client.put("/api/users/street-only/grants", json=grants("*"), headers=admin)
    assert put.status_code == 503
    assert client.post("/api/users/operator/deactivate", json=WHY, headers=admin).status_code == 503
    role = client.put("/api/users/operator/role", json={"role": "crisis", **WHY}, headers=admin)
    assert role.status_code == 503
    reset = client.post("/api/users/operator/password-reset", json=WHY, headers=admin)
    assert reset.status_code == 503
    users = {u["username"]: u for u in client.get("/api/users", headers=admin).json()}
    assert "ghost" not in users
    assert users["street-only"]["grants"][0]["camera_id"] == "cam-street"
    assert users["operator"]["active"] is True and users["operator"]["role"] == "operator"
    assert users["operator"]["must_change_password"] is False


def test_admin_camera_list_shows_retention_zones_and_analytics(client: TestClient) -> None:
    """Admins see each camera's settings; others (even operators) get 403."""
    admin = login(client, "admin")
    response = client.get("/api/admin/cameras", headers=admin)
    assert response.status_code == 200, response.text
    cameras = {c["id"]: c for c in response.json()}
    assert set(cameras) == {"cam-street", "cam-plaza"}
    street = cameras["cam-street"]
    assert street["retention_days"] == 15 and street["name"] == "Street"
    assert street["zones"] == [[[0.04, 0.09], [0.46, 0.09], [0.46, 0.51], [0.04, 0.51]]]
    assert street["analytics"]["configured"] is False and "source" not in street
    assert cameras["cam-plaza"]["zones"] == []
    for role in ("operator", "privacy_officer"):
        refused = client.get("/api/admin/cameras", headers=login(client, role))
        assert refused.status_code == 403
