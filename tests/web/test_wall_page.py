"""The wall page in a real headless Chromium: tiles, live video, the switch to the crisis layout.

The whole app runs under uvicorn on a free port; the browser is Debian's chromium driven by
Playwright through its executable path (no browser is ever downloaded). Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.conftest import require_service
from tests.web.conftest import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    TIMEOUT_MS,
    seed_accounts,
    served,
)
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_walls import WALL_SITE

pytestmark = pytest.mark.slow

TOP_LEFT = "#wall .tile[data-x='0'][data-y='0']"


@dataclass
class Server:
    """The app under uvicorn."""

    url: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server with the demo cameras and a crisis-room wall."""
    folder = tmp_path_factory.mktemp("wall-page")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(WALL_SITE))
    with served(app) as base:
        yield Server(base)


def token(server: Server, username: str) -> str:
    """A fresh session token for an account."""
    answer = httpx.post(
        f"{server.url}/api/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    value: str = answer.json()["access_token"]
    return value


def tile_kinds(page: object) -> list[str]:
    """The data-kind of every tile, in DOM order."""
    kinds: list[str] = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#wall .tile", "nodes => nodes.map(n => n.dataset.kind)"
    )
    return kinds


def test_the_wall_page_plays_video_and_switches_on_escalation(server: Server) -> None:
    """Camera tiles play; after an escalation the crisis room shows map, timeline and log."""
    if not CHROMIUM.exists():
        require_service("chromium (apt-get install chromium)")
    from playwright.sync_api import WebSocketRoute, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    display = token(server, "crisis")
    operator = {"Authorization": f"Bearer {token(server, 'operator')}"}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        context.add_cookies([{"name": "csu_session", "value": display, "url": server.url}])
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        outage, connected = threading.Event(), []

        def relay(route: WebSocketRoute) -> None:
            # The wall's feed passes through here, so the test can cut it like a network outage.
            if outage.is_set():
                route.close(code=1011, reason="server unreachable")
                return
            connected.append(route)

            route.connect_to_server()

        page.route_web_socket(re.compile(r".*/api/walls/[^/]+/ws$"), relay)
        page.goto(f"{server.url}/wall/crisis-room")
        page.wait_for_function(
            "() => document.querySelectorAll('#wall .tile[data-kind=camera]').length === 2"
        )
        assert page.locator("#wall").get_attribute("data-mode") == "auto"
        assert tile_kinds(page).count("empty") == 4
        # The video element's clock advances: real frames are arriving and being decoded.
        page.wait_for_function(
            "() => [...document.querySelectorAll('#wall video')].some(v => v.currentTime > 0.5)"
        )
        before = page.evaluate(
            "Math.max(...[...document.querySelectorAll('#wall video')].map(v => v.currentTime))"
        )
        page.wait_for_timeout(1500)
        later = page.evaluate(
            "Math.max(...[...document.querySelectorAll('#wall video')].map(v => v.currentTime))"
        )
        assert later > before + 0.5
        page.screenshot(path=str(ARTIFACTS / "wall-crisis-room-before.png"))

        alarm = httpx.post(f"{server.url}/api/alarms", json=csu_alarm("PAGE-1"), headers=operator)
        incident = alarm.json()["alarms"][0]["incident_id"]
        escalate = {"action": "escalate", "text": "flooded underpass"}
        answer = httpx.post(
            f"{server.url}/api/incidents/{incident}/actions", json=escalate, headers=operator
        )
        assert answer.status_code == 200, answer.text

        page.wait_for_selector("#wall[data-mode=crisis]")
        page.wait_for_selector(f"#wall .tile[data-kind=timeline][data-incident='{incident}']")
        assert {"map", "timeline", "crisis_log", "camera"} <= set(tile_kinds(page))
        page.wait_for_function(
            "() => document.querySelector('#wall .tile[data-kind=crisis_log]')"
            ".textContent.includes('escaladé par operator')"
        )
        # The map marks the incident, open as the server says (its `open`), by its severity.
        page.wait_for_selector("#wall .tile[data-kind=map] .map-marker.incident")
        first = page.locator(TOP_LEFT)
        assert first.get_attribute("data-camera") == "cam-street"
        assert first.get_attribute("data-incident") == str(incident)
        page.wait_for_function(
            "() => [...document.querySelectorAll('#wall video')].some(v => v.currentTime > 0.5)"
        )
        page.screenshot(path=str(ARTIFACTS / "wall-crisis-room-after.png"))

        # The server goes away: the banner shows; it comes back: the page resyncs by itself.
        outage.set()
        for route in connected:
            route.close(code=1001, reason="server restarting")
        page.wait_for_selector("#banner:not([hidden])")
        page.screenshot(path=str(ARTIFACTS / "wall-crisis-room-offline.png"))
        pushed = httpx.post(
            f"{server.url}/api/walls/crisis-room/push",
            json={"x": 0, "y": 0, "kind": "text", "text": "Evacuate the underpass"},
            headers=operator,
        )
        assert pushed.status_code == 200, pushed.text
        outage.clear()
        page.wait_for_selector("#banner", state="hidden")
        version = pushed.json()["version"]
        page.wait_for_selector(f"#wall[data-version='{version}']")
        assert page.locator(TOP_LEFT).inner_text() == "Evacuate the underpass"
        browser.close()
