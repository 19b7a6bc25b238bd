"""Login, tokens, cookies and the login events, through the real HTTP app."""

from __future__ import annotations

from fastapi.testclient import TestClient

from csu.events import Event
from csu.identity.events import LoginFailures, LoginSucceeded
from tests.web.conftest import PASSWORD, login, services_of
from tests.web.test_login_throttling import close_windows


def _collect(client: TestClient) -> list[Event]:
    events: list[Event] = []
    bus = services_of(client).bus
    client.portal.call(lambda: bus.subscribe(Event, events.append))  # type: ignore[union-attr]
    return events


def _drain(client: TestClient) -> None:
    client.portal.call(services_of(client).bus.drain)  # type: ignore[union-attr]


def test_login_returns_a_bearer_token_and_publishes_success(client: TestClient) -> None:
    """A right password gives a token, a cookie, and a LoginSucceeded event."""
    events = _collect(client)
    response = client.post("/api/auth/login", json={"username": "operator", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) >= 32
    assert "csu_session" in response.cookies
    _drain(client)
    successes = [e for e in events if isinstance(e, LoginSucceeded)]
    assert [(e.username, e.role) for e in successes] == [("operator", "operator")]
    assert successes[0].client == "testclient"


def test_wrong_password_is_401_and_is_tallied(client: TestClient) -> None:
    """A wrong password names no detail about which part was wrong; its window is published."""
    events = _collect(client)
    response = client.post(
        "/api/auth/login", json={"username": "operator", "password": "nope-nope"}
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "wrong username or password"}
    close_windows(client)
    failures = [e for e in events if isinstance(e, LoginFailures)]
    assert [(e.username, e.client, e.failures) for e in failures] == [("operator", "testclient", 1)]


def test_malformed_login_is_422_with_a_plain_message(client: TestClient) -> None:
    """A body without a password is refused with a sentence naming the field."""
    response = client.post("/api/auth/login", json={"username": "operator"})
    assert response.status_code == 422
    assert response.json()["detail"] == "body.password: Field required"


def test_unauthenticated_requests_get_401(client: TestClient) -> None:
    """No token, or a made-up one, is refused."""
    assert client.get("/api/cameras").status_code == 401
    bad = client.get("/api/cameras", headers={"Authorization": "Bearer made-up"})
    assert bad.status_code == 401
    assert bad.json()["detail"] == "session expired or invalid"
    assert bad.headers["www-authenticate"] == "Bearer"


def test_session_cookie_authenticates_and_logout_ends_it(client: TestClient) -> None:
    """The UI's cookie works like the bearer token, and logout revokes the session."""
    client.post("/api/auth/login", json={"username": "supervisor", "password": PASSWORD})
    me = client.get("/api/auth/me")
    assert me.status_code == 200, me.text
    assert (me.json()["username"], me.json()["role"]) == ("supervisor", "supervisor")
    assert "crisis.act" in me.json()["rights"]
    headers = login(client, "supervisor")
    client.cookies.clear()
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/auth/me", headers=headers).status_code == 401


def test_health_and_metrics_need_no_login(client: TestClient) -> None:
    """Probes and Prometheus scrape without credentials."""
    assert client.get("/healthz").json() == {"status": "ok"}
    login(client, "operator")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'csu_logins_total{outcome="success"} 1.0' in metrics.text
    assert 'csu_camera_up{camera="cam-street"}' in metrics.text


def test_openapi_is_served(client: TestClient) -> None:
    """The API describes itself."""
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/auth/login", "/api/cameras", "/healthz", "/metrics"} <= set(paths)


def test_logins_and_failures_reach_the_access_log(client: TestClient) -> None:
    """Every login, and each window of failed logins, is an access-log entry with the address."""
    login_ok = client.post("/api/auth/login", json={"username": "crisis", "password": PASSWORD})
    assert login_ok.status_code == 200
    client.post("/api/auth/login", json={"username": "crisis", "password": "bad-bad-bad"})
    close_windows(client)
    entries = [
        (e.action, e.user, e.role, e.outcome, e.client)
        for e in services_of(client).access_log.entries()
        if e.user == "crisis"
    ]
    assert entries == [
        ("auth.login", "crisis", "crisis", "granted", "testclient"),
        ("auth.login", "crisis", None, "denied", "testclient"),
    ]


def test_a_name_no_database_stores_is_422_not_a_failed_login(client: TestClient) -> None:
    """A NUL or a lone surrogate in the username: 422 naming it (PostgreSQL answered the account
    lookup with an error, a 500); the account still signs in."""
    for text in ('"op\\u0000erator"', '"op\\ud800erator"'):
        body = f'{{"username": {text}, "password": "{PASSWORD}"}}'
        response = client.post(
            "/api/auth/login", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"].startswith("body.username: "), response.text
    assert login(client, "operator")
