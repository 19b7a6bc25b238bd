"""Synced playback in a real headless Chromium, on footage two cameras recorded: from an incident,
one button plays its covering cameras together with one reason (one access-log entry per camera);
both pictures show the same site time (each video's first-frame time plus its own currentTime)
within 100 ms while the shared playhead moves, at 1x and 4x and after a seek on the shared bar; a
moment neither camera recorded says so. Under the shared bar, one row per camera draws what it
recorded, with the incident's alarm and the cameras' bookmarks as marks; the previous/next mark
buttons, Page Up/Page Down and a click on the rows move both pictures at once."""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.web.conftest import ARTIFACTS
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_console_page import new_page, sign_in, wait_for
from tests.web.test_console_playback import (
    Recorder,
    give_reason,
    headers,
    open_incident,
    recorded_spans,
    recording_app,
)

pytestmark = pytest.mark.slow

CONTINUOUS = "recording: {mode: continuous, segment_s: 2, pre_alarm_s: 4, post_alarm_s: 4}"
# Both cameras see the alarm's point (-0.5499, 47.47): the street's from the west, the plaza's
# from the north.
SITE = textwrap.dedent(
    f"""
    site: {{name: Testville, timezone: Europe/Paris}}
    cameras:
      - id: cam-street
        name: Street
        source: demo://street
        location: {{lat: 47.47, lon: -0.55}}
        view: {{bearing_deg: 90, fov_deg: 60, range_m: 50}}
        {CONTINUOUS}
      - id: cam-plaza
        name: Plaza
        source: demo://plaza
        location: {{lat: 47.4702, lon: -0.5499}}
        view: {{bearing_deg: 180, fov_deg: 70, range_m: 80}}
        {CONTINUOUS}
    """
)
DIALOG = "#sync-playback"
RECORDED_S = 20  # footage each camera holds before the alarm
MAX_SKEW_MS = 100


def recorded(server: Recorder, camera: str) -> timedelta:
    """How long the camera has recorded over the last hour (its spans end to end)."""
    now = datetime.now(UTC)
    spans = recorded_spans(server, (now - timedelta(hours=1)).isoformat(), now.isoformat(), camera)
    if not spans:
        return timedelta(0)
    return datetime.fromisoformat(spans[-1]["end"]) - datetime.fromisoformat(spans[0]["start"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorder]:
    """Two recording cameras and an incident both cover, a few seconds before its footage ends."""
    with recording_app(tmp_path_factory.mktemp("console-sync"), SITE) as probe:
        base, services = probe.url, probe.services
        enough = timedelta(seconds=RECORDED_S)
        wait_for(lambda: all(recorded(probe, c) >= enough for c in ("cam-street", "cam-plaza")), 60)
        at = datetime.now(UTC) - timedelta(seconds=2)
        alarm = csu_alarm("SYNC-1", occurred_at=at.isoformat())
        posted = httpx.post(f"{base}/api/alarms", json=alarm, headers=headers(probe, "operator"))
        assert posted.status_code == 201, posted.text
        incident = posted.json()["alarms"][0]["incident_id"]
        detail = httpx.get(f"{base}/api/incidents/{incident}", headers=headers(probe, "operator"))
        assert sorted(detail.json()["cameras"]) == ["cam-plaza", "cam-street"], detail.text
        yield Recorder(base, services, incident, {"at": at.isoformat()})


SAMPLE = f"""() => [...document.querySelectorAll('{DIALOG} .sync-tile')].map(tile => {{
  const v = tile.querySelector('video');
  return [tile.dataset.state, v.dataset.start, v.currentTime, v.paused]; }})"""


def sample(page: Any) -> list[datetime]:
    """Both pictures' site times at one instant (first-frame time + currentTime, as shown)."""
    tiles = page.evaluate(SAMPLE)
    assert [t[0] for t in tiles] == ["shown", "shown"], tiles
    return [
        datetime.fromisoformat(start) + timedelta(seconds=media) for _, start, media, _ in tiles
    ]


def skews(page: Any, count: int, every_ms: int) -> tuple[list[float], list[datetime]]:
    """The skew between the two pictures (ms) and the first's time, sampled while playing."""
    found: list[float] = []
    times: list[datetime] = []
    for _ in range(count):
        first, second = sample(page)
        found.append(abs((first - second).total_seconds()) * 1000)
        times.append(first)
        page.wait_for_timeout(every_ms)
    return found, times


def seek_bar(page: Any, at: datetime) -> None:
    """Drag the shared bar to a site time (the range input's value is seconds from its start)."""
    page.evaluate(
        f"""at => {{ const bar = document.querySelector('{DIALOG} [data-control=sync-bar]');
        const start = Date.parse(document.querySelector('{DIALOG}').dataset.rangeStart);
        bar.value = String((Date.parse(at) - start) / 1000);
        bar.dispatchEvent(new Event('input', {{ bubbles: true }})); }}""",
        at.isoformat(),
    )


def test_two_cameras_play_in_sync_at_1x_and_4x_and_after_a_seek(
    browser: Any, server: Recorder
) -> None:
    page = new_page(browser)
    sign_in(page, server, "operator")  # type: ignore[arg-type]
    open_incident(page, server.incident)
    page.click("#incident [data-control=play-sync]")
    page.wait_for_selector(f"{DIALOG}[open] .sync-tile[data-camera=cam-plaza]")
    assert page.input_value(f"{DIALOG} [data-control=sync-before]") == "2"
    assert page.input_value(f"{DIALOG} [data-control=sync-after]") == "5"
    reason = f"rixe signalée {uuid.uuid4().hex[:6]}"
    page.click(f"{DIALOG} [data-control=sync-play]")
    give_reason(page, reason)
    page.wait_for_selector(f"{DIALOG}[data-playing=true][data-shown='2']", timeout=20000)

    # 1x: the shared clock runs at the wall's pace and both pictures stay together.
    found, times = skews(page, 12, 150)
    assert max(found) < MAX_SKEW_MS, found
    pace = (times[-1] - times[0]).total_seconds()
    assert 1.2 < pace < 2.6, pace

    # 4x: four times as fast, still together (back to where both have footage first).
    seek_bar(page, datetime.fromisoformat(server.clip["at"]) - timedelta(seconds=12))
    page.select_option(f"{DIALOG} [data-control=sync-speed]", "4")
    page.wait_for_timeout(800)  # a second or so to settle after the jump and the new speed
    found, times = skews(page, 10, 150)
    assert max(found) < MAX_SKEW_MS, found
    pace = (times[-1] - times[0]).total_seconds()
    assert pace > 3.5, pace
    rates = page.evaluate(
        f"[...document.querySelectorAll('{DIALOG} video')].map(v => v.playbackRate)"
    )
    assert all(2 <= r <= 6 for r in rates), rates
    page.screenshot(path=str(ARTIFACTS / "console-sync-playback.png"))

    # A moment nobody recorded yet (a minute after now): both say so, then rejoin after a seek.
    seek_bar(page, datetime.now(UTC) + timedelta(minutes=1))
    page.wait_for_selector(f"{DIALOG} .sync-tile[data-camera=cam-street][data-state=none]")
    note = page.inner_text(f"{DIALOG} .sync-tile[data-camera=cam-plaza] [data-control=sync-note]")
    assert note == "pas d'enregistrement à cet instant"
    page.screenshot(path=str(ARTIFACTS / "console-sync-playback-none.png"))
    page.select_option(f"{DIALOG} [data-control=sync-speed]", "1")
    seek_bar(page, datetime.fromisoformat(server.clip["at"]) - timedelta(seconds=8))
    page.wait_for_selector(f"{DIALOG}[data-shown='2']")
    page.wait_for_timeout(600)
    found, _times = skews(page, 8, 150)
    assert max(found) < MAX_SKEW_MS, found

    # One request per camera, each in the access log with the one reason.
    audit = httpx.get(
        f"{server.url}/api/audit/access",
        params={"action": "video.playback", "user": "operator"},
        headers=headers(server, "privacy_officer"),
    ).json()
    logged = sorted(e["camera_id"] for e in audit["items"] if e["reason"] == reason)
    assert logged == ["cam-plaza", "cam-street"], audit
    page.keyboard.press("Escape")
    page.wait_for_selector(DIALOG, state="hidden")
    page.context.close()


TIMELINE = f"{DIALOG} [data-control=sync-timeline]"
# Both pictures (and the shared clock) within `within` ms of a site time, both shown.
BOTH_AT = f"""([at, within]) => {{
  const near = (ms) => Math.abs(ms - Date.parse(at)) < within;
  const master = document.querySelector('{DIALOG} [data-control=sync-clock]').dataset.time;
  return near(Date.parse(master)) && [...document.querySelectorAll('{DIALOG} .sync-tile')].every(
    (tile) => {{ const v = tile.querySelector('video');
      const shown = Date.parse(v.dataset.start) + v.currentTime * 1000;
      return tile.dataset.state === 'shown' && near(shown);
    }}); }}"""
ROWS = f"""() => [...document.querySelectorAll('{TIMELINE} .sync-row')].map(row => ({{
  camera: row.dataset.camera, spans: Number(row.dataset.spans), gaps: Number(row.dataset.gaps),
  first: row.querySelector('.span')?.dataset.start, label: row.getAttribute('aria-label') }}))"""


def both_at(page: Any, at: datetime, within_ms: int = MAX_SKEW_MS) -> None:
    """Wait until both pictures and the shared clock show `at`."""
    page.wait_for_function(BOTH_AT, arg=[at.isoformat(), within_ms], timeout=10000)
    first, second = sample(page)
    assert abs(first - at) < timedelta(milliseconds=within_ms), (first, at)
    assert abs(second - at) < timedelta(milliseconds=within_ms), (second, at)


def first_span(server: Recorder, camera: str, start: str) -> str:
    """The first recorded span's start over the synced range, as the server answers it."""
    range_end = datetime.fromisoformat(start.replace("Z", "+00:00")) + timedelta(minutes=7)
    listed = httpx.get(
        f"{server.url}/api/cameras/{camera}/recordings",
        params={"start": start, "end": range_end.isoformat()},
        headers=headers(server, "operator"),
    )
    assert listed.status_code == 200, listed.text
    return str(listed.json()["spans"][0]["start"])


def test_the_shared_bar_draws_each_camera_and_jumps_both_to_marks(
    browser: Any, server: Recorder
) -> None:
    alarm_at = datetime.fromisoformat(server.clip["at"])
    marked = alarm_at - timedelta(seconds=10)
    note = f"individu en fuite {uuid.uuid4().hex[:6]}"
    created = httpx.post(
        f"{server.url}/api/bookmarks",
        json={"camera_id": "cam-plaza", "at": marked.isoformat(), "note": note},
        headers=headers(server, "operator"),
    )
    assert created.status_code == 201, created.text
    page = new_page(browser)
    sign_in(page, server, "operator")  # type: ignore[arg-type]
    page.keyboard.press("?")  # the keyboard help names the jumps' keys
    help_text = page.wait_for_selector("#help[open]").inner_text()
    assert "Pg préc. Pg suiv.\nen relecture (une caméra ou synchronisée)" in help_text, help_text
    page.keyboard.press("Escape")
    page.wait_for_selector("#help", state="hidden")
    open_incident(page, server.incident)
    page.click("#incident [data-control=play-sync]")
    page.wait_for_selector(f"{DIALOG}[open] .sync-tile[data-camera=cam-plaza]")
    page.click(f"{DIALOG} [data-control=sync-play]")
    give_reason(page, "reconstitution de la fuite")
    page.wait_for_selector(f"{DIALOG}[data-playing=true][data-shown='2']", timeout=20000)

    # One row per camera, drawn from what the server says it recorded over the range.
    page.wait_for_selector(f"{TIMELINE}[data-marks='2']")
    start = page.evaluate(f"document.querySelector('{DIALOG}').dataset.rangeStart")
    rows = {row["camera"]: row for row in page.evaluate(ROWS)}
    assert sorted(rows) == ["cam-plaza", "cam-street"], rows
    for camera, row in rows.items():
        assert row["spans"] >= 1, row
        assert row["first"] == first_span(server, camera, start), (row, camera)
    assert rows["cam-plaza"]["label"].startswith("Plaza : "), rows
    assert "d'enregistrement" in rows["cam-plaza"]["label"], rows

    # The incident's alarm and the plaza's bookmark, at their moments, across every row.
    marks = page.eval_on_selector_all(
        f"{TIMELINE} .mark",
        "n => n.map(m => [m.classList[1], m.dataset.at, m.dataset.camera || '', m.title])",
    )
    by_kind = {
        kind: (datetime.fromisoformat(at.replace("Z", "+00:00")), cam, title)
        for kind, at, cam, title in marks
    }
    assert abs(by_kind["alarm"][0] - alarm_at) < timedelta(milliseconds=1), marks
    assert abs(by_kind["bookmark"][0] - marked) < timedelta(milliseconds=1), marks
    assert by_kind["bookmark"][1] == "cam-plaza" and note in by_kind["bookmark"][2], marks
    assert by_kind["alarm"][2].startswith("alarme à "), marks

    # Paused before both marks: "next" takes both pictures to the bookmark, then to the alarm.
    page.click(f"{DIALOG} [data-control=sync-toggle]")
    page.wait_for_selector(f"{DIALOG} [data-control=sync-toggle][data-state=paused]")
    seek_bar(page, marked - timedelta(seconds=5))
    both_at(page, marked - timedelta(seconds=5))
    page.click(f"{DIALOG} [data-control=sync-mark-next]")
    both_at(page, marked)
    page.keyboard.press("PageDown")
    both_at(page, alarm_at)
    page.wait_for_selector(f"{TIMELINE} .playhead[data-control=sync-playhead]")
    page.screenshot(path=str(ARTIFACTS / "console-sync-timeline.png"))
    page.keyboard.press("PageUp")
    both_at(page, marked)
    page.click(f"{DIALOG} [data-control=sync-mark-prev]")  # nothing earlier: both stay
    page.wait_for_timeout(300)
    both_at(page, marked)

    # A click on the rows moves both pictures there (to the pixel: a few tenths of a second).
    box = page.locator(TIMELINE).bounding_box()
    range_start = datetime.fromisoformat(start.replace("Z", "+00:00"))
    wanted = alarm_at - timedelta(seconds=6)
    share = (wanted - range_start) / timedelta(minutes=7)
    page.mouse.click(box["x"] + share * box["width"], box["y"] + box["height"] / 2)
    both_at(page, wanted, within_ms=1500)
    head = page.evaluate(f"parseFloat(document.querySelector('{TIMELINE} .playhead').style.left)")
    assert abs(head - share * 100) < 0.5, (head, share)
    page.keyboard.press("Escape")
    page.wait_for_selector(DIALOG, state="hidden")
    page.context.close()
