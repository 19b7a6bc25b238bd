"""Alerting in the console (headless Chromium): a critical incident plays its sound, badges the
tab title and rings again until acknowledged; an incident below the chosen severity stays quiet,
and with the sound off nothing rings but the title still counts. The settings are the account's."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.web.conftest import ARTIFACTS
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_console_page import api_headers, new_page, sign_in, wait_for
from tests.web.test_console_preferences import forget_preferences, stored
from tests.web.test_wall_page import Server
from tests.web.test_wall_page import server as server

pytestmark = pytest.mark.slow

# Counts every sound the page starts, by its name, as the audio element itself reports it.
SPY = """
window.__plays = [];
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {
  const started = play.call(this);
  started.then(() => window.__plays.push(this.dataset.sound), () => {});
  return started;
};
"""


@pytest.fixture(autouse=True)
def fresh_accounts(server: Server) -> None:
    """Each test starts from accounts with the default settings (the server keeps them)."""
    forget_preferences(server, "operator", "supervisor")


def plays(page: Any, sound: str) -> int:
    """How many times the page has started this sound."""
    count: int = page.evaluate("(s) => window.__plays.filter((p) => p === s).length", sound)
    return count


def test_a_critical_incident_rings_and_badges_until_acknowledged(
    browser: Any, server: Server
) -> None:
    page = new_page(browser)
    page.add_init_script(SPY)
    sign_in(page, server, "operator")
    page.wait_for_selector("#alert-threshold")
    base_title = page.title()
    page.click("#queue")  # the operator has touched the page: the browser lets it play sound
    headers = api_headers(server)

    quiet = csu_alarm(
        "ALERT-LOW", severity="low", location={"type": "Point", "coordinates": [-0.56, 47.48]}
    )
    assert httpx.post(f"{server.url}/api/alarms", json=quiet, headers=headers).status_code == 201
    posted = httpx.post(
        f"{server.url}/api/alarms",
        json=csu_alarm("ALERT-CRIT", severity="critical"),
        headers=headers,
    )
    assert posted.status_code == 201, posted.text
    incident_id = posted.json()["alarms"][0]["incident_id"]

    page.wait_for_function("() => window.__plays.includes('critical')")
    wait_for(lambda: page.title().startswith("(1) "))
    assert page.title() == f"(1) {base_title}"
    assert plays(page, "low") == 0  # below the default threshold (high)
    page.screenshot(path=str(ARTIFACTS / "console-alerting.png"))

    # Nobody acknowledges: it rings again.
    page.wait_for_function(
        "() => window.__plays.filter((p) => p === 'critical').length >= 2", timeout=40_000
    )

    page.click(f"#queue li[data-id='{incident_id}']")
    page.wait_for_selector(f"#incident[data-incident='{incident_id}']")
    page.keyboard.press("a")
    wait_for(lambda: page.title() == base_title)
    rung = plays(page, "critical")
    time.sleep(17)  # longer than the repeat period
    assert plays(page, "critical") == rung
    page.context.close()


def test_the_threshold_is_the_users_and_lower_severities_ring_once_chosen(
    browser: Any, server: Server
) -> None:
    page = new_page(browser)
    page.add_init_script(SPY)
    sign_in(page, server, "supervisor")
    page.select_option("#alert-threshold", "low")
    page.click("#queue")
    low = csu_alarm(
        "ALERT-LOW-2",
        severity="low",
        type="lighting.lamp_off",
        location={"type": "Point", "coordinates": [-0.57, 47.49]},
    )
    assert (
        httpx.post(f"{server.url}/api/alarms", json=low, headers=api_headers(server)).status_code
        == 201
    )
    page.wait_for_function("() => window.__plays.includes('low')")
    # The choice is the account's and survives a reload.
    wait_for(lambda: stored(server, "supervisor")["alerting"]["min_severity"] == "low")
    page.reload()
    assert page.locator("#alert-threshold").input_value() == "low"
    page.context.close()


def test_with_the_sound_off_nothing_rings_but_the_title_counts(
    browser: Any, server: Server
) -> None:
    page = new_page(browser)
    page.add_init_script(SPY)
    sign_in(page, server, "supervisor")
    base_title = page.title()
    page.uncheck("#alert-sound")
    page.click("#queue")  # the browser would let it play
    posted = httpx.post(
        f"{server.url}/api/alarms",
        # Another type and place than the other tests' alarms: an incident of its own.
        json=csu_alarm(
            "ALERT-MUTED",
            severity="critical",
            type="building.intrusion",
            location={"type": "Point", "coordinates": [-0.53, 47.46]},
        ),
        headers=api_headers(server),
    )
    assert posted.status_code == 201, posted.text
    wait_for(lambda: page.title() == f"(1) {base_title}")
    time.sleep(1)  # the sound would have started by now
    assert page.evaluate("window.__plays.filter(Boolean)") == []  # videos have no sound name
    assert not page.locator("#sound-blocked").is_visible()
    assert stored(server, "supervisor")["alerting"]["sound"] is False
    page.screenshot(path=str(ARTIFACTS / "console-alerting-muted.png"))
    page.context.close()
