"""Browser hardening: security headers on every answer, and no use of the session cookie by a
page of another origin (state-changing requests and WebSocket handshakes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.web.conftest import PASSWORD, SITE, TIMEOUT_MS, login, seed_accounts, served
from web.origin_check import origin_of
from web.security_headers import content_security_policy, tile_origins

EVIL = {"Origin": "https://evil.example"}
SAME = {"Origin": "http://testserver"}


def _cookie_session(client: TestClient, username: str = "operator") -> None:
    answer = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("path", ["/login", "/console", "/api/auth/me", "/healthz"])
def test_pages_and_answers_carry_the_security_headers(client: TestClient, path: str) -> None:
    """CSP with frame-ancestors, nosniff, no-referrer, no-store."""
    _cookie_session(client)
    answer = client.get(path)
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["cache-control"] == "no-store"


def test_static_assets_may_be_cached_and_refusals_carry_the_headers(client: TestClient) -> None:
    """Scripts are cacheable; a 401 gets the same headers as any answer."""
    script = client.get("/static/login/login.js")
    assert script.status_code == 200 and "cache-control" not in script.headers
    assert script.headers["x-content-type-options"] == "nosniff"
    refused = client.get("/api/cameras")
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"


def test_snapshots_are_never_cached(client: TestClient) -> None:
    """A snapshot (personal data) is no-store and nosniff."""
    answer = client.get("/api/cameras/cam-plaza/snapshot.jpg", headers=login(client, "operator"))
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_the_printable_log_book_has_its_own_policy(client: TestClient) -> None:
    """Its inline style is allowed on that page alone, with no script at all."""
    now = datetime.now(UTC)
    period = {"start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()}
    page = client.get(
        "/api/logbook", params={**period, "format": "html"}, headers=login(client, "operator")
    )
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )


def test_the_tile_server_is_the_only_outside_picture_source() -> None:
    """A site's tile server joins img-src, by origin."""
    policy = content_security_policy(tile_origins("https://Tiles.City.example:443/{z}/{x}/{y}.png"))
    assert "img-src 'self' blob: https://tiles.city.example;" in policy
    assert origin_of("http://csu.example:80/x") == "http://csu.example"


def test_a_page_of_another_origin_cannot_use_the_session_cookie(client: TestClient) -> None:
    """Cookie + foreign Origin on a state-changing request: 403 naming why; the session lives."""
    _cookie_session(client)
    refused = client.post("/api/auth/logout", headers=EVIL)
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "cross-origin request refused: Origin 'https://evil.example' is not this site"
        " (a page of another site cannot use this session)"
    )
    assert refused.headers["content-security-policy"]
    assert client.get("/api/auth/me").status_code == 200
    login_csrf = client.post(
        "/api/auth/login", json={"username": "admin", "password": PASSWORD}, headers=EVIL
    )
    assert login_csrf.status_code == 403
    assert client.post("/api/auth/logout", headers=SAME).status_code == 204


def test_bearer_clients_are_not_concerned(client: TestClient) -> None:
    """A Bearer token cannot be set by another site's page: its Origin does not matter."""
    headers = {**login(client, "operator"), **EVIL}
    assert client.post("/api/auth/logout", headers=headers).status_code == 204


@pytest.mark.parametrize("path", ["/api/events", "/api/walls/csu-main/ws"])
def test_websocket_handshakes_from_another_origin_are_refused(
    client: TestClient, path: str
) -> None:
    """The session cookie opens the socket from csu's pages only (403 naming why)."""
    _cookie_session(client)
    with (
        pytest.raises(WebSocketDenialResponse) as denied,
        client.websocket_connect(path, headers=EVIL),
    ):
        pass
    assert denied.value.status_code == 403
    assert "is not this site" in denied.value.json()["detail"]
    with client.websocket_connect(path, headers=SAME) as socket:
        socket.close()


CSP_WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.fixture(scope="module")
def tiled_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a real port; its map has a tile server (nothing answers there)."""
    folder = tmp_path_factory.mktemp("browser-guards")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    site = parse_site(SITE + 'map: {tile_url: "http://127.0.0.1:9/{z}/{x}/{y}.png"}\n')
    with served(create_app(Settings(data_dir=folder / "var", database_url=url), site)) as base:
        yield base


@pytest.mark.slow
@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("operator", "/console"),
        ("privacy_officer", "/audit"),
        ("admin", "/admin"),
        ("operator", "/wall/csu-main"),
    ],
)
def test_pages_work_under_their_policy_in_chromium(
    browser: Any, tiled_server: str, username: str, path: str
) -> None:
    """Each role's page signs in, draws and connects with no Content-Security-Policy refusal."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{tiled_server}/login?next={path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"{tiled_server}{path}")
    page.wait_for_timeout(4000)  # live video, the event stream and the map's tiles start
    violations = page.evaluate("() => window.__violations")
    context.close()
    assert violations == []
