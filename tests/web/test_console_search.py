"""Finding incidents in the console (headless Chromium): the queue's filters and search box, and
the search of closed incidents opened from its result."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.conftest import ARTIFACTS
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_console_page import api_headers, new_page, sign_in
from tests.web.test_wall_page import Server
from tests.web.test_wall_page import server as server

pytestmark = pytest.mark.slow

FAR = {"type": "Point", "coordinates": [-0.60, 47.50]}  # no camera's view


def post(server: Server, headers: dict[str, str], alarm: dict[str, Any]) -> int:
    """Post an alarm; the incident it went to."""
    answer = httpx.post(f"{server.url}/api/alarms", json=alarm, headers=headers)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["alarms"][0]["incident_id"])


def shown(page: Any) -> set[int]:
    """The incidents the queue shows."""
    return {
        int(i)
        for i in page.eval_on_selector_all(
            "#queue li[data-id]", "(l) => l.map((i) => i.dataset.id)"
        )
    }


def test_an_operator_filters_the_queue_and_finds_a_closed_incident(
    browser: Any, server: Server
) -> None:
    headers = api_headers(server)
    lamp = post(
        server,
        headers,
        csu_alarm(
            "FIND-1",
            type="lighting.lamp_off",
            severity="low",
            description="Lampe 77-01 éteinte",
            location=FAR,
        ),
    )
    burst = post(
        server,
        headers,
        csu_alarm(
            "FIND-2", type="water.main_burst", severity="critical", description="Rupture DN300"
        ),
    )
    done = post(
        server,
        headers,
        csu_alarm(
            "FIND-3",
            type="parking.full",
            severity="low",
            description="Parking Molière complet",
            location={"type": "Point", "coordinates": [-0.62, 47.52]},
        ),
    )
    for status in ("resolved", "closed"):
        answer = httpx.post(
            f"{server.url}/api/incidents/{done}/actions",
            json={"action": "status", "status": status},
            headers=headers,
        )
        assert answer.status_code == 200, answer.text

    page = new_page(browser)
    sign_in(page, server, "operator")
    page.wait_for_selector(f"#queue li[data-id='{burst}']")
    assert {lamp, burst} <= shown(page) and done not in shown(page)
    page.select_option("#queue-service", "lighting")
    page.wait_for_function(f"() => !document.querySelector(\"#queue li[data-id='{burst}']\")")
    assert lamp in shown(page) and burst not in shown(page)
    page.select_option("#queue-service", "")
    page.select_option("#queue-severity", "high")
    page.wait_for_selector(f"#queue li[data-id='{burst}']")
    assert lamp not in shown(page)
    page.select_option("#queue-severity", "")
    page.keyboard.press("Escape")
    page.focus("#queue")
    page.keyboard.press("/")  # the shortcut to the search box
    page.keyboard.type("77-01")
    page.wait_for_function(f"() => !document.querySelector(\"#queue li[data-id='{burst}']\")")
    assert shown(page) == {lamp}
    page.fill("#queue-search", "")

    page.click("#search-open")
    page.fill("#search-dialog input[name=text]", "molière")
    page.select_option("#find-closed", "true")
    page.click("#find-submit")
    result = page.locator(f"#search-dialog .search-results button[data-id='{done}']")
    result.wait_for()
    assert page.locator("#search-dialog .search-results li").count() == 1
    page.screenshot(path=str(ARTIFACTS / "console-search.png"))
    result.click()
    page.wait_for_selector(f"#incident[data-incident='{done}']")
    page.context.close()
