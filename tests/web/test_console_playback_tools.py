"""The playback panel's tools in a real headless Chromium, on footage recorded by the server: the
clock shows the site time of the picture shown (the server's first-frame time plus the video's),
speed and frame step move the picture, and a bookmark made from the panel is listed, drawn on the
bar and in the access log with the listings."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.web import test_console_playback
from tests.web.conftest import ARTIFACTS
from tests.web.test_console_page import new_page, sign_in
from tests.web.test_console_playback import (
    BAR,
    VIDEO,
    Recorder,
    give_reason,
    headers,
    open_incident,
)

pytestmark = pytest.mark.slow
# The recording server of the console playback tests, started again for this module.
server = test_console_playback.server

PANEL = "#playback"
CLOCK = f"{PANEL} [data-control=playback-clock]"
PARIS = ZoneInfo("Europe/Paris")


def picture(page: Any) -> tuple[datetime, datetime, str]:
    """The clock's time, the first frame's time plus the video's, and the clock's text."""
    shown, start, media, text = page.evaluate(
        # Read once the page has handled the pause: on a loaded machine the last frame presented
        # may trail currentTime by more than a frame until then.
        f"""async () => {{ const v = document.querySelector('{VIDEO}');
        const c = document.querySelector('{CLOCK}');
        if (!v.paused) {{
          const paused = new Promise((r) => v.addEventListener('pause', r, {{ once: true }}));
          v.pause(); await paused;
        }}
        return [c.dataset.time, v.dataset.start, v.currentTime, c.textContent]; }}"""
    )
    expected = datetime.fromisoformat(start) + timedelta(seconds=media)
    return datetime.fromisoformat(shown), expected, text


def audit(server: Recorder, action: str) -> list[dict[str, Any]]:
    """The privacy officer's view of one action in the access log."""
    found = httpx.get(
        f"{server.url}/api/audit/access",
        params={"action": action, "user": "operator"},
        headers=headers(server, "privacy_officer"),
    )
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


def test_clock_speed_step_and_a_bookmark_from_the_panel(browser: Any, server: Recorder) -> None:
    page = new_page(browser)
    sign_in(page, server, "operator")  # type: ignore[arg-type]
    open_incident(page, server.incident)
    page.click("#incident [data-control=play-clip]")
    page.wait_for_selector(f"{BAR}[data-spans='1'] .span")
    page.wait_for_selector(f"{PANEL} [data-control=bookmark-list][data-count='0']")
    page.click(f"{PANEL} [data-control=playback-play]")
    give_reason(page, "vérification d'une plainte")
    page.wait_for_function(f"() => document.querySelector('{VIDEO}').currentTime > 1.0")

    # The clock is the picture's site time, to the frame, on the Paris clock.
    shown, expected, text = picture(page)
    assert abs(shown - expected) < timedelta(milliseconds=100), (shown, expected)
    clip_start = datetime.fromisoformat(server.clip["start"])
    assert clip_start - timedelta(seconds=3) <= shown <= datetime.fromisoformat(server.clip["end"])
    assert text == shown.astimezone(PARIS).strftime("%H:%M:%S")
    page.wait_for_selector(f"{BAR} .playhead")

    # A frame step moves the picture by one frame and keeps it paused.
    before = page.evaluate(f"document.querySelector('{VIDEO}').currentTime")
    page.click(f"{PANEL} [data-control=playback-frame-next]")
    page.wait_for_function(
        f"t => document.querySelector('{VIDEO}').currentTime > t + 0.01", arg=before
    )
    after = page.evaluate(f"document.querySelector('{VIDEO}').currentTime")
    assert after - before < 0.21 and page.evaluate(f"document.querySelector('{VIDEO}').paused")

    # Speed: 4x runs the picture's clock about four times as fast as the wall's.
    page.select_option(f"{PANEL} [data-control=playback-speed]", "4")
    assert page.evaluate(f"document.querySelector('{VIDEO}').playbackRate") == 4
    page.evaluate(f"document.querySelector('{VIDEO}').currentTime = 0.5")
    page.click(f"{PANEL} [data-control=playback-toggle]")
    start_media = page.evaluate(f"document.querySelector('{VIDEO}').currentTime")
    page.wait_for_timeout(1000)
    moved = page.evaluate(f"document.querySelector('{VIDEO}').currentTime") - start_media
    assert moved > 2.0, moved
    page.select_option(f"{PANEL} [data-control=playback-speed]", "1")

    # A bookmark on the picture shown: listed, on the bar, in the access log.
    shown, _expected, _text = picture(page)
    note = f"scooter sans plaque {uuid.uuid4().hex[:6]}"
    page.fill(f"{PANEL} [data-control=bookmark-note]", note)
    page.click(f"{PANEL} [data-control=bookmark-add]")
    page.wait_for_selector(f"{PANEL} [data-control=bookmark-list][data-count='1']")
    assert note in page.inner_text(f"{PANEL} [data-control=bookmark-list]")
    assert page.locator(f"{BAR} .mark.bookmark").count() == 1
    page.screenshot(path=str(ARTIFACTS / "console-playback-tools.png"))

    created = [e for e in audit(server, "video.bookmark_create") if note in str(e["details"])]
    assert len(created) == 1 and created[0]["camera_id"] == "cam-street"
    marked = datetime.fromisoformat(created[0]["span_start"])
    assert abs(marked - shown) < timedelta(milliseconds=100), (marked, shown)
    listings = audit(server, "video.bookmark_list")
    assert len(listings) >= 2 and all(e["camera_id"] == "cam-street" for e in listings)

    # "Previous mark" comes back to the bookmark from later in the clip.
    page.evaluate(f"document.querySelector('{VIDEO}').currentTime += 2")
    page.click(f"{PANEL} [data-control=playback-mark-prev]")
    back_at_the_mark = f"""at => Math.abs(new Date(document.querySelector('{CLOCK}').dataset.time)
        - new Date(at)) < 100"""
    page.wait_for_function(back_at_the_mark, arg=shown.isoformat())
    # Page Up does the same (the synced view's key too) while the focus is in the panel.
    page.evaluate(f"document.querySelector('{VIDEO}').currentTime += 2")
    page.wait_for_function(f"at => !({back_at_the_mark})(at)", arg=shown.isoformat())
    page.keyboard.press("PageUp")
    page.wait_for_function(back_at_the_mark, arg=shown.isoformat())
    page.context.close()
