"""PTZ in the operator console, in a real headless Chromium against the test dome: an arrow key
and a drag on the video move the dome's head, a preset button sends it there, a supervisor in
another browser takes the camera over and the operator's page says so, and a supervisor's tour
shows on the operator's page.

Same harness as the console page test; screenshots in test-artifacts/ptz-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.thread import DeviceThread
from csu.settings import Settings
from tests.web.conftest import ARTIFACTS, SITE, seed_accounts, served
from tests.web.test_console_page import api_headers, new_page, sign_in, wait_for
from tests.web.test_wall_page import Server

pytestmark = pytest.mark.slow

CAMERA = "cam-street"
TILE = f"#grid .cam[data-camera='{CAMERA}']"
DOOR = (0.5, 0.2, 0.0)
SQUARE = (-0.4, -0.3, 0.5)


@pytest.fixture(scope="module")
def dome() -> Iterator[DeviceThread]:
    """The test dome with two presets, on a thread of its own."""
    device = OnvifDevice()
    assert device.head is not None
    device.head.presets = {"door": ("Door", DOOR), "square": ("Square", SQUARE)}
    thread = DeviceThread(device)
    with thread:
        yield thread


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, dome: DeviceThread) -> Iterator[Server]:
    """The app under uvicorn, its street camera being the dome."""
    folder: Path = tmp_path_factory.mktemp("console-ptz")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    device = dome.device
    account = f"username: {device.username}, password: {device.password}"
    onvif = f"    onvif: {{url: '{device.url}', {account}}}\n"
    site = parse_site(SITE.replace("    name: Street\n", "    name: Street\n" + onvif))
    app = create_app(Settings(data_dir=folder / "var", database_url=url), site)
    with served(app) as base:
        yield Server(base)


class Dome:
    """The dome's position as the device says it (csu asks it over ONVIF), read beside the
    browser with one operator session."""

    def __init__(self, server: Server) -> None:
        self.url = f"{server.url}/api/cameras/{CAMERA}/ptz"
        self.headers = api_headers(server)

    def position(self) -> tuple[float, float, float]:
        at = self._state()["position"]
        return (at["pan"], at["tilt"], at["zoom"])

    def moving(self) -> bool:
        moving: bool = self._state()["position"]["moving"]
        return moving

    def _state(self) -> dict[str, Any]:
        answer = httpx.get(self.url, headers=self.headers)
        assert answer.status_code == 200, answer.text
        state: dict[str, Any] = answer.json()
        return state


def near(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return all(abs(x - y) < 1e-3 for x, y in zip(a, b, strict=True))


def choose_the_dome(page: Any) -> None:
    """Click the dome's tile: it fills the grid, has the focus, and its PTZ bar shows."""
    page.wait_for_selector(f"{TILE} video")
    page.click(TILE)
    page.wait_for_selector("#grid.single")
    page.wait_for_selector("#ptz:not([hidden]) [data-preset=door]")
    page.wait_for_function(f'() => document.activeElement?.matches("{TILE}")')


def test_an_operator_moves_the_dome_and_a_supervisor_takes_it_over(
    browser: Any, server: Server, dome: DeviceThread
) -> None:
    head = Dome(server)
    page = new_page(browser)
    sign_in(page, server, "operator")
    choose_the_dome(page)
    assert page.locator("#ptz .ptz-holder").get_attribute("data-state") == "free"
    assert page.locator("#ptz [data-control=ptz-save]").count() == 0  # operators save none
    page.screenshot(path=str(ARTIFACTS / "ptz-chosen.png"))

    # An arrow key held on the video pans the head right; letting go stops it.
    start = head.position()
    page.keyboard.down("ArrowRight")
    page.wait_for_selector("#ptz .ptz-holder[data-state=mine]")
    page.wait_for_timeout(700)
    page.keyboard.up("ArrowRight")
    wait_for(lambda: not head.moving())
    after_key = head.position()
    assert after_key[0] > start[0] + 0.1 and dome.device.head is not None
    assert dome.device.head.position[0] == pytest.approx(after_key[0])

    # A drag up and to the left moves it that way; the click that ends it keeps the tile large.
    box = page.locator(TILE).bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx - box["width"] / 4, cy - box["height"] / 4, steps=6)
    page.wait_for_selector(f"{TILE} .ptz-drag")
    page.screenshot(path=str(ARTIFACTS / "ptz-drag.png"))
    page.wait_for_timeout(600)
    page.mouse.up()
    wait_for(lambda: not head.moving())
    after_drag = head.position()
    assert after_drag[0] < after_key[0] - 0.05 and after_drag[1] > after_key[1] + 0.05
    assert page.locator("#grid.single").count() == 1

    page.click("#ptz [data-preset=door]")
    wait_for(lambda: near(head.position(), DOOR))
    page.wait_for_function(
        "() => document.querySelector('#ptz .ptz-position').textContent"
        ".startsWith('panoramique 0,50')"
    )

    # A supervisor in another browser takes the camera: the operator is told at once.
    boss = new_page(browser)
    sign_in(boss, server, "supervisor")
    choose_the_dome(boss)
    boss.click("#ptz [data-preset=square]")
    boss.wait_for_selector("#ptz .ptz-holder[data-state=mine]")
    taken = page.wait_for_selector("#ptz .ptz-holder[data-state=lost]")
    assert taken.inner_text().startswith("Reprise par supervisor (superviseur) jusqu'à")
    page.keyboard.press("ArrowLeft")  # refused: said in words, not swallowed
    message = page.wait_for_selector("#ptz .ptz-message:not([hidden])")
    assert message.inner_text().startswith("Pilotée par supervisor (superviseur) jusqu'à")
    page.screenshot(path=str(ARTIFACTS / "ptz-taken-over.png"))
    wait_for(lambda: near(head.position(), SQUARE))

    define_and_start_a_tour(boss, page, head)
    boss.context.close()
    page.context.close()


def define_and_start_a_tour(boss: Any, page: Any, head: Dome) -> None:
    """The supervisor defines a tour of both presets and starts it; the operator sees it run."""
    boss.click("#ptz [data-control=tour-edit]")
    boss.wait_for_selector("#tour-dialog[open]")
    rows = boss.locator("#tour-dialog .tour-stops li")
    assert rows.count() == 2
    rows.nth(0).locator("[data-field=dwell_s]").fill("3")  # below the bound: the server says so
    boss.click("#tour-dialog [data-control=tour-save]")
    refusal = boss.wait_for_selector("#tour-dialog .error-message")
    assert "stops.0.dwell_s" in refusal.inner_text().lower()
    rows.nth(0).locator("[data-field=dwell_s]").fill("6")
    rows.nth(1).locator("[data-field=dwell_s]").fill("6")
    boss.screenshot(path=str(ARTIFACTS / "ptz-tour-editor.png"))
    boss.click("#tour-dialog [data-control=tour-save]")
    boss.wait_for_selector("#tour-dialog", state="hidden")
    boss.click("#ptz [data-control=tour-start]")
    boss.wait_for_selector("#ptz [data-control=tour-stop]")
    # Starting it let go of the supervisor's own hold: the tour moves the dome to the door.
    wait_for(lambda: near(head.position(), DOOR), timeout=30)
    running = page.wait_for_selector("#ptz .tour-state[data-state=running]", timeout=10_000)
    assert running.inner_text().startswith("Ronde en cours (lancée par supervisor)")
    assert page.locator("#ptz [data-control=tour-start]").count() == 0  # operators only see it
    page.screenshot(path=str(ARTIFACTS / "ptz-tour-operator.png"))
    boss.screenshot(path=str(ARTIFACTS / "ptz-tour-supervisor.png"))
    boss.click("#ptz [data-control=tour-stop]")
    boss.wait_for_selector("#ptz [data-control=tour-start]")
