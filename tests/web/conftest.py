"""A running csu app on a real database, with a small site and seeded accounts."""

from __future__ import annotations

import socket
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.app_services import AppServices
from csu.config import SiteConfig, parse_site
from csu.db import Database
from csu.identity import service as identity
from csu.identity.roles import Role
from csu.migrate import upgrade
from csu.settings import Settings
from tests.conftest import require_service
from web.http_server import HEADER_TIMEOUT_S, header_deadline_protocol

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 30_000

PASSWORD = "test-password-1"

SITE = textwrap.dedent(
    """
    site: {name: Testville, timezone: Europe/Paris}
    cameras:
      - id: cam-street
        name: Street
        source: demo://street
        location: {lat: 47.47, lon: -0.55}
        view: {bearing_deg: 90, fov_deg: 60, range_m: 50}
        privacy_zones: [[[0.04, 0.09], [0.46, 0.09], [0.46, 0.51], [0.04, 0.51]]]
        recording: {mode: "off"}  # keeps the API tests light; recording has its own tests
      - id: cam-plaza
        name: Plaza
        source: demo://plaza
        location: {lat: 47.48, lon: -0.56}
        view: {bearing_deg: 180, fov_deg: 70, range_m: 80}
        recording: {mode: "off"}
    walls:
      - {id: csu-main, name: CSU wall, grid: [2, 2]}
    """
)


@pytest.fixture
def site() -> SiteConfig:
    """Two demo cameras."""
    return parse_site(SITE)


def seed_accounts(url: str) -> None:
    """One account per role plus an operator whose authorisation has expired."""
    db = Database(url)
    upgrade(db.engine)
    with db.session() as s:
        for role in Role:
            video = role not in (Role.PRIVACY_OFFICER, Role.PUBLIC_DISPLAY)  # no camera to see
            identity.create_user(
                s,
                username=role.value,
                role=role,
                password=PASSWORD,
                cameras=["*"] if video else [],
            )
        identity.create_user(
            s, username="street-only", role=Role.OPERATOR, password=PASSWORD, cameras=["cam-street"]
        )
        identity.create_user(
            s,
            username="expired",
            role=Role.OPERATOR,
            password=PASSWORD,
            cameras=["*"],
            expires_at=datetime.now(UTC) - timedelta(days=1),
        )
    db.dispose()


@pytest.fixture
def client(database_url: str, site: SiteConfig, tmp_path: Path) -> Iterator[TestClient]:
    """A started app (lifespan run) serving on the test database."""
    seed_accounts(database_url)
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    with TestClient(create_app(settings, site)) as test_client:
        yield test_client


def services_of(client: TestClient) -> AppServices:
    """The running services behind the test client."""
    services: AppServices = client.app.state.services  # type: ignore[attr-defined]
    return services


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Bearer headers for a fresh login."""
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@contextmanager
def served(
    app: FastAPI, start_timeout: float = 30.0, header_timeout_s: float = HEADER_TIMEOUT_S
) -> Iterator[str]:
    """Run the app under uvicorn as `csu serve` does, on a free port in a thread; its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    protocol = header_deadline_protocol(header_timeout_s)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", http=protocol))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright (no browser is ever downloaded)."""
    if not CHROMIUM.exists():
        require_service("chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
