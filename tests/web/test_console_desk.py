"""The desk's grid sizes and the console on a patrol supervisor's tablet (headless Chromium)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.conftest import ARTIFACTS, TIMEOUT_MS
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_console_page import api_headers, new_page, sign_in
from tests.web.test_console_preferences import forget_preferences
from tests.web.test_map_page import server as server
from tests.web.test_wall_page import Server

pytestmark = pytest.mark.slow

TILES = "#grid .cam"


@pytest.fixture(autouse=True)
def fresh_accounts(server: Server) -> None:
    """Each test starts from accounts that chose no grid size (the server keeps it)."""
    forget_preferences(server, "operator", "supervisor")


def test_a_desk_shows_1_4_9_or_16_cameras_and_keeps_the_choice(
    browser: Any, server: Server
) -> None:
    page = new_page(browser)
    sign_in(page, server, "operator")
    page.wait_for_selector("#grid-size")
    page.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 4")
    page.select_option("#grid-size", "9")
    page.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 6")
    assert page.locator("#grid").get_attribute("data-size") == "9"
    page.select_option("#grid-size", "1")
    page.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 1")
    page.reload()
    page.wait_for_selector(TILES)
    assert page.locator("#grid-size").input_value() == "1"
    assert page.locator(TILES).count() == 1
    page.context.close()


def test_the_console_fits_a_1024_px_tablet(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, server, "supervisor")
    posted = httpx.post(
        f"{server.url}/api/alarms", json=csu_alarm("TABLET-1"), headers=api_headers(server)
    )
    assert posted.status_code == 201, posted.text
    incident = posted.json()["alarms"][0]["incident_id"]
    item = page.locator(f"#queue li[data-id='{incident}']")
    item.tap()
    page.wait_for_selector(f"#incident[data-incident='{incident}']")
    page.wait_for_function("() => document.querySelector('#grid .cam video')?.readyState >= 2")
    assert page.locator(TILES).count() == 1  # one camera, the others would only cost bandwidth
    assert not page.locator("#map-pane").is_visible()
    for pane in ("#queue", "#incident", "#grid"):
        box = page.locator(pane).bounding_box()
        assert box and box["width"] > 200 and box["x"] + box["width"] <= 1024, pane
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    acknowledge = page.locator("#incident button[data-control=acknowledge]")
    assert acknowledge.bounding_box()["height"] >= 40  # a finger's size
    page.screenshot(path=str(ARTIFACTS / "console-tablet.png"))
    context.close()
