"""A tour tile on the wall page in a real headless Chromium: the camera changes at each dwell.

The tile plays each camera of the tour live through the wall's WHEP endpoint in turn; its data
attributes say which camera and step are on, and its label names the tour, the camera and the
step. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from crisis.tours import tour_step
from csu.app import create_app
from csu.app_services import AppServices
from csu.config import parse_site
from csu.settings import Settings
from tests.conftest import require_service
from tests.web.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, seed_accounts, served
from tests.web.test_console_page import api_headers, new_page, sign_in
from tests.web.test_wall_page import Server, token
from tests.web.test_wall_tours import TOUR_SITE

pytestmark = pytest.mark.slow

TOUR = "#wall .tile[data-kind=tour]"
PLAYING = (
    "() => { const v = document.querySelector('#wall .tile[data-kind=tour] video');"
    " return v && v.currentTime > 0.25; }"
)

NOW_ON = f"""() => {{
  const tile = document.querySelector('{TOUR}');
  return {{
    camera: tile.dataset.camera, step: tile.dataset.step,
    label: tile.querySelector('.label').textContent,
    badge: tile.querySelector('.status').textContent,
    videos: tile.querySelectorAll('video').length,
  }};
}}"""

# Moments (s after the start), dwell (s) and the cameras offline then: turns, skips, wrap-around.
CASE_CAMERAS = ("a", "b", "c")
CASES: list[tuple[float, float, list[str]]] = [
    (0, 2, []),
    (1.99, 2, []),
    (2, 2, []),
    (5, 2, []),
    (6.5, 2, []),
    (-4, 2, []),
    (2.5, 2, ["b"]),
    (4.5, 2, ["c"]),
    (4.5, 2, ["a", "c"]),
    (3, 2, ["a", "b", "c"]),
    (7201, 10, []),
]
PARITY_JS = """async ([cameras, cases]) => {
  const { tourStep } = await import('/static/wall/tour.js');
  const start = Date.parse('2026-12-07T08:00:00Z');
  return cases.map(([at, dwell, offline]) =>
    tourStep(cameras, start, dwell, start + at * 1000, (c) => !offline.includes(c)));
}"""


def server_step(at: float, dwell: float, offline: list[str]) -> int:
    """The server's turn for a case (-1 for none, as the page says it)."""
    started = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    moment = started + timedelta(seconds=at)
    index = tour_step(CASE_CAMERAS, started, dwell, moment, lambda c: c not in offline)
    return -1 if index is None else index


@dataclass
class TourServer(Server):
    """The app under uvicorn, and its services to look at beside the browser."""

    services: AppServices


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TourServer]:
    """A real server with the two test cameras and a tour of both, 2 s each."""
    folder = tmp_path_factory.mktemp("wall-tour-page")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(TOUR_SITE))
    with served(app) as base:
        yield TourServer(base, app.state.services)


def test_a_tour_tile_switches_camera_at_each_dwell(server: TourServer) -> None:
    """The whole wall is one tour tile: it plays one camera, then the other 2 s later, and so on."""
    if not CHROMIUM.exists():
        require_service("chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    operator = {"Authorization": f"Bearer {token(server, 'operator')}"}
    whole = {"tiles": [{"x": 0, "y": 0, "w": 2, "h": 2, "kind": "tour", "tour_id": "ronde"}]}
    put = httpx.put(f"{server.url}/api/walls/csu-main/layout", json=whole, headers=operator)
    assert put.status_code == 200, put.text
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        display = token(server, "crisis")
        context.add_cookies([{"name": "csu_session", "value": display, "url": server.url}])
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{server.url}/wall/csu-main")
        page.wait_for_selector(f"{TOUR}[data-tour=ronde][data-camera^=cam-]")

        seen: dict[str, str] = {}  # camera -> its label, once its video played
        deadline = time.monotonic() + 60
        while len(seen) < 2 and time.monotonic() < deadline:
            # Wait for the camera now on to play real frames, then for the next one.
            page.wait_for_function(PLAYING)
            # Read at once: the tile may turn to its next camera at any moment.
            now = page.evaluate(NOW_ON)
            if now["camera"] in seen:
                page.wait_for_timeout(200)
                continue
            assert now["step"] == {"cam-street": "1", "cam-plaza": "2"}[now["camera"]]
            assert now["videos"] == 1  # the old session is gone with its video
            assert now["badge"] == "caméra en ligne"
            seen[now["camera"]] = now["label"]
            page.screenshot(path=str(ARTIFACTS / f"wall-tour-{now['camera']}.png"))
            page.wait_for_function(
                f"() => document.querySelector('{TOUR}').dataset.camera !== '{now['camera']}'",
                timeout=15_000,
            )
        # The page's schedule is the server's: the same turns for the same facts.
        js_steps = page.evaluate(PARITY_JS, [list(CASE_CAMERAS), CASES])
        assert js_steps == [server_step(*case) for case in CASES]
        assert js_steps == [0, 0, 1, 2, 0, 0, 2, 0, 1, -1, 0]
        # Each camera's live session ends before the next one opens: over a few turns the display
        # never holds more than one (none for a moment while the next offer is made).
        counts = []
        for _ in range(50):
            counts.append(server.services.live.count("crisis"))
            time.sleep(0.1)
        assert max(counts) == 1, counts
        assert seen == {
            "cam-street": "Séquence Centre-ville — Street (1/2)",
            "cam-plaza": "Séquence Centre-ville — Plaza (2/2)",
        }
        browser.close()


def test_an_operator_puts_a_tour_on_a_wall_tile_from_the_console(
    browser: Any, server: Server
) -> None:
    """The console's push dialog offers the site's tours by name; the chosen tile runs one."""
    page = new_page(browser)
    sign_in(page, server, "operator")
    page.wait_for_selector("#tour-choose option[value=ronde]", state="attached")  # desk loaded
    page.keyboard.press("w")
    page.wait_for_selector("#wall-dialog[open] #wall-cells button")
    page.select_option("#wall-select", "csu-main")
    page.select_option("#wall-what", label="Séquence : Centre-ville")
    page.click("#wall-cells button[data-x='1'][data-y='1']")
    page.screenshot(path=str(ARTIFACTS / "console-push-tour.png"))
    page.click("#wall-push")
    page.wait_for_selector("#wall-dialog", state="hidden")
    answer = httpx.get(f"{server.url}/api/walls/csu-main/layout", headers=api_headers(server))
    tile = next(t for t in answer.json()["layout"]["tiles"] if t["x"] <= 1 < t["x"] + t["w"])
    assert (tile["kind"], tile["tour_id"], tile["pinned"]) == ("tour", "ronde", False)
    assert answer.json()["tours"]["ronde"]["name"] == "Centre-ville"
