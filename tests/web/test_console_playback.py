"""Recorded footage in the operator console, in a real headless Chromium: an incident's clip opens
the playback panel (spans and gaps drawn, reason asked, the video plays, the access log has it), a
supervisor exports the range as evidence that `csu export verify` accepts and places a legal hold,
an operator sees no export control, and an analytics alert is confirmed onto the timeline.

A demo camera records continuously from the start of the module's server, as in production.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from csu.app import create_app
from csu.app_services import AppServices
from csu.config import parse_site
from csu.identity import service as identity
from csu.identity.roles import Role
from csu.settings import Settings
from tests.video.test_recording import small_demo
from tests.web.conftest import ARTIFACTS, PASSWORD, seed_accounts, served
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_console_page import new_page, sign_in, wait_for
from tests.web.test_wall_page import token
from video.analytics.events import VideoAnalyticsEvent
from video.analytics.geometry import Box
from video.analytics.snapshots import save_snapshot
from video.scenes import make_scene

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
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
        recording: {mode: continuous, segment_s: 2, pre_alarm_s: 4, post_alarm_s: 4}
      - id: cam-plaza
        name: Plaza
        source: demo://plaza
        location: {lat: 47.48, lon: -0.56}
        view: {bearing_deg: 180, fov_deg: 70, range_m: 80}
        recording: {mode: "off"}
    """
)
EVENT_BOX = (0.4, 0.5, 0.45, 0.7)
BAR = "#playback [data-control=playback-bar]"
VIDEO = "#playback [data-control=playback-video]"


@dataclass
class Recorder:
    """The app under uvicorn, its services, and the incident whose clip is on disk."""

    url: str
    services: AppServices
    incident: int
    clip: dict[str, Any]


def headers(server: Recorder, username: str) -> dict[str, str]:
    """Bearer headers for checks made beside the browser."""
    return {"Authorization": f"Bearer {token(server, username)}"}  # type: ignore[arg-type]


def recorded_spans(
    server: Recorder, start: str, end: str, camera: str = "cam-street"
) -> list[dict[str, str]]:
    """The spans the camera recorded within [start, end), as the API lists them."""
    listed = httpx.get(
        f"{server.url}/api/cameras/{camera}/recordings",
        params={"start": start, "end": end},
        headers=headers(server, "operator"),
    )
    assert listed.status_code == 200, listed.text
    spans: list[dict[str, str]] = listed.json()["spans"]
    return spans


def recorded_until(server: Recorder, start: str, end: str) -> datetime | None:
    """The end of the last span recorded for the street camera within [start, end)."""
    spans = recorded_spans(server, start, end)
    return datetime.fromisoformat(spans[-1]["end"]) if spans else None


def recorded_since(server: Recorder, start: str, end: str) -> datetime:
    """The start of the first span recorded for the street camera within [start, end)."""
    return datetime.fromisoformat(recorded_spans(server, start, end)[0]["start"])


@contextmanager
def recording_app(folder: Path, site: str) -> Iterator[Recorder]:
    """csu on the site under uvicorn, its demo cameras small, with the test accounts; the
    Recorder names no incident yet."""
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    settings = Settings(data_dir=folder / "var", database_url=url)
    app = create_app(settings, parse_site(site), camera_opener=small_demo)
    with served(app) as base:
        yield Recorder(base, app.state.services, 0, {})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorder]:
    """A recording server; an alarm near the street camera gave an incident an 8 s clip."""
    with recording_app(tmp_path_factory.mktemp("console-playback"), SITE) as probe:
        base, services = probe.url, probe.services
        hour = timedelta(hours=1)
        now = datetime.now(UTC)
        span = ((now - hour).isoformat(), (now + hour).isoformat())
        wait_for(lambda: recorded_until(probe, *span) is not None, 30)
        # Enough footage before the alarm for the clip's pre-alarm seconds.
        started = recorded_since(probe, *span)
        wait_for(lambda: datetime.now(UTC) - started > timedelta(seconds=6), 10)
        alarm = csu_alarm("PLAY-1", occurred_at=datetime.now(UTC).isoformat())
        posted = httpx.post(f"{base}/api/alarms", json=alarm, headers=headers(probe, "operator"))
        assert posted.status_code == 201, posted.text
        incident = posted.json()["alarms"][0]["incident_id"]
        detail = httpx.get(
            f"{base}/api/incidents/{incident}", headers=headers(probe, "operator")
        ).json()
        (clip,) = [e["data"] for e in detail["timeline"] if e["kind"] == "clip"]
        ready = Recorder(base, services, incident, clip)
        end = datetime.fromisoformat(clip["end"])

        def covered() -> bool:
            until = recorded_until(ready, clip["start"], clip["end"])
            return until is not None and until >= end

        # The segment holding the clip's end is closed (and indexed) a couple of seconds later.
        wait_for(covered, 30)
        yield ready


def open_incident(page: Any, incident: int) -> None:
    """Select the incident in the queue."""
    page.click(f"#queue li[data-id='{incident}']")
    page.wait_for_selector(f"#incident[data-incident='{incident}']")


def give_reason(page: Any, reason: str) -> None:
    """The console's reason dialog is up: type and confirm."""
    page.wait_for_selector("#reason-dialog[open]")
    page.fill("#reason-text", reason)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#reason-dialog", state="hidden")


def test_operator_plays_an_incident_clip_and_the_access_log_has_the_reason(
    browser: Any, server: Recorder
) -> None:
    """Clip -> panel preset to the clip, spans drawn, reason asked, the video's clock runs."""
    page = new_page(browser)
    sign_in(page, server, "operator")  # type: ignore[arg-type]
    open_incident(page, server.incident)
    page.click("#incident [data-control=play-clip]")
    page.wait_for_selector("#playback[open][data-camera=cam-street]")
    page.wait_for_selector(f"{BAR}[data-spans='1'] .span")
    # The range is written on the site's clock (Paris), to the second.
    start = page.input_value("#playback [data-control=playback-start]")
    paris = datetime.fromisoformat(server.clip["start"]).astimezone(ZoneInfo("Europe/Paris"))
    # (Chromium drops ":00" seconds from the value: compare moments, not text.)
    assert datetime.fromisoformat(start) == paris.replace(microsecond=0, tzinfo=None), start
    # The whole clip is recorded: one green span covers the bar.
    width = page.evaluate(f"document.querySelector('{BAR} .span').style.width")
    assert float(width.rstrip("%")) > 90, width
    assert page.locator("#playback [data-control=export-submit]").count() == 0
    assert page.locator("#playback [data-control=hold-submit]").count() == 0

    reason = f"complaint check {uuid.uuid4().hex[:6]}"
    page.click("#playback [data-control=playback-play]")
    give_reason(page, reason)
    page.wait_for_function(f"() => document.querySelector('{VIDEO}').currentTime > 1.0")
    before = page.evaluate(f"document.querySelector('{VIDEO}').currentTime")
    page.wait_for_timeout(1000)
    assert page.evaluate(f"document.querySelector('{VIDEO}').currentTime") > before + 0.3
    size = page.evaluate(f"(v => [v.videoWidth, v.videoHeight])(document.querySelector('{VIDEO}'))")
    assert size == [640, 360]
    page.screenshot(path=str(ARTIFACTS / "console-playback-clip.png"))

    audit = httpx.get(
        f"{server.url}/api/audit/access",
        params={"action": "video.playback", "user": "operator"},
        headers=headers(server, "privacy_officer"),
    ).json()
    entries = [e for e in audit["items"] if e["reason"] == reason]
    assert len(entries) == 1, audit
    assert entries[0]["camera_id"] == "cam-street" and entries[0]["outcome"] == "granted"
    # The browser's clock counts milliseconds: the clip's microseconds are cut.
    logged = datetime.fromisoformat(entries[0]["span_start"])
    assert abs(logged - datetime.fromisoformat(server.clip["start"])) < timedelta(milliseconds=1)

    page.keyboard.press("Escape")
    page.wait_for_selector("#playback", state="hidden")
    page.context.close()


def test_the_p_key_shows_the_last_quarter_hour_with_its_gap_and_refusals(
    browser: Any, server: Recorder
) -> None:
    """`p` on a camera tile: 15 minutes, recorded since start-up, the gap before it in red."""
    page = new_page(browser)
    sign_in(page, server, "operator")  # type: ignore[arg-type]
    page.keyboard.press("?")
    keys = page.wait_for_selector("#help[open]").inner_text()
    assert "enregistrements de la caméra sélectionnée" in keys
    assert "confirmer l'alerte d'analyse vidéo" in keys
    page.keyboard.press("Escape")
    page.focus("#grid .cam[data-camera='cam-street']")
    page.keyboard.press("p")
    page.wait_for_selector("#playback[open][data-camera=cam-street]")
    page.wait_for_selector(f"{BAR}[data-spans] .gap")
    assert int(page.get_attribute(BAR, "data-spans") or 0) >= 1
    assert int(page.get_attribute(BAR, "data-gaps") or 0) >= 1
    assert "interruption" in page.inner_text("#playback .summary")
    page.screenshot(path=str(ARTIFACTS / "console-playback-gaps.png"))
    # A range with nothing recorded: the server's 404 is said next to the play button.
    page.fill("#playback [data-control=playback-start]", "2026-01-01T10:00:00")
    page.fill("#playback [data-control=playback-end]", "2026-01-01T10:05:00")
    page.click("#playback [data-control=playback-show]")
    page.wait_for_selector(f"{BAR}[data-spans='0']")
    page.click("#playback [data-control=playback-play]")
    give_reason(page, "looking for an old complaint")
    refusal = page.wait_for_selector("[data-control=playback-play] + .error-message")
    assert page.is_hidden(VIDEO)
    # In the page's language, the range on the site's clock as it was asked for.
    assert refusal.inner_text() == (
        "Aucun enregistrement pour la caméra cam-street du 01/01/2026 10:00 au 01/01/2026 10:05"
    )
    page.screenshot(path=str(ARTIFACTS / "console-playback-no-footage.png"))
    page.context.close()


def run_verify(folder: str) -> subprocess.CompletedProcess[str]:
    """`csu export verify` as a separate process on this checkout."""
    return subprocess.run(
        [sys.executable, "-m", "csu.cli", "export", "verify", folder],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
        check=False,
    )


def test_supervisor_exports_the_clip_and_places_a_legal_hold(
    browser: Any, server: Recorder
) -> None:
    """Export: polled until done, its folder verifies; a hold is listed, then released."""
    page = new_page(browser)
    sign_in(page, server, "supervisor")  # type: ignore[arg-type]
    open_incident(page, server.incident)
    page.keyboard.press("l")
    page.wait_for_selector("#playback[open]")
    page.wait_for_selector(f"{BAR}[data-spans='1']")
    page.fill("#playback [data-control=export-reason]", "assault complaint")
    page.fill("#playback [data-control=export-requisition]", "PV 2026/88")
    page.fill("#playback [data-control=export-recipient]", "OPJ Martin")
    page.click("#playback [data-control=export-submit]")
    state = page.wait_for_selector("#playback [data-control=export-state][data-state=done]")
    folder = state.get_attribute("data-folder")
    assert folder and folder in state.inner_text()
    page.screenshot(path=str(ARTIFACTS / "console-playback-export.png"))
    done = run_verify(folder)
    assert done.returncode == 0, done.stdout + done.stderr

    page.fill("#playback [data-control=hold-requisition]", "PV 2026/88")
    page.fill("#playback [data-control=hold-officer]", "OPJ Martin")
    page.fill("#playback [data-control=hold-reason]", "keep for the inquiry")
    page.click("#playback [data-control=hold-submit]")
    item = page.wait_for_selector("#playback ul.holds li[data-hold]")
    assert "PV 2026/88" in item.inner_text()
    holds = httpx.get(
        f"{server.url}/api/holds", params={"active": "true"}, headers=headers(server, "supervisor")
    ).json()
    assert [(h["camera_id"], h["start"][:19]) for h in holds] == [
        ("cam-street", server.clip["start"][:19])
    ]
    hold_id = item.get_attribute("data-hold")
    page.click(f"#playback [data-control=release-{hold_id}]")
    give_reason(page, "inquiry closed")
    page.wait_for_selector("#playback ul.holds li.placeholder")
    page.context.close()


def raise_analytics_event(server: Recorder, *, snapshot: bool = True) -> tuple[str, int]:
    """Publish a zone-intrusion event on cam-plaza (its snapshot saved as the worker saves it)."""
    event_id = uuid.uuid4().hex
    at = datetime.now(UTC)
    saved = None
    if snapshot:
        frame = make_scene("plaza", 640, 360).render(3.0)
        data_dir = server.services.settings.data_dir
        saved = save_snapshot(data_dir, "cam-plaza", event_id, frame, Box(*EVENT_BOX), at)
    event = VideoAnalyticsEvent(
        event_id=event_id,
        camera_id="cam-plaza",
        kind="zone_intrusion",
        rule="fountain",
        occurred_at=at,
        box=EVENT_BOX,
        track="o0-3",
        snapshot=saved,
        details={"frames": 2},
    )
    server.services.bus.publish_threadsafe(event)
    found: list[int] = []

    def raised() -> bool:
        answer = httpx.get(
            f"{server.url}/api/alarms",
            params={"type": "video.analytics.zone_intrusion"},
            headers=headers(server, "operator"),
        ).json()
        found[:] = [
            item["alarm"]["incident_id"]
            for item in answer["items"]
            if item["alarm"]["external_id"].endswith(event_id)
        ]
        return bool(found)

    wait_for(raised)
    return event_id, found[0]


def snapshot_log(server: Recorder, event_id: str) -> list[dict[str, Any]]:
    """The access log's snapshot entries for one analytics event, read by the privacy officer."""
    audit = httpx.get(
        f"{server.url}/api/audit/access",
        params={"action": "video.snapshot"},
        headers=headers(server, "privacy_officer"),
    )
    assert audit.status_code == 200, audit.text
    return [e for e in audit.json()["items"] if event_id in json.dumps(e["details"])]


def test_operator_confirms_an_analytics_alert_onto_the_timeline(
    browser: Any, server: Recorder
) -> None:
    """An analytics event becomes an incident; its snapshot and box show; `y` confirms it."""
    page = new_page(browser)
    sign_in(page, server, "operator")  # type: ignore[arg-type]
    event_id, incident = raise_analytics_event(server)
    page.wait_for_selector(f"#queue li[data-id='{incident}']")
    # Listed in the queue is not looked at: no snapshot fetched (and logged) yet.
    assert snapshot_log(server, event_id) == []
    open_incident(page, incident)
    figure = f"#incident .analytics figure[data-event='{event_id}']"
    page.wait_for_selector(f"{figure} .snapshot[data-state=shown]")
    image = page.evaluate(
        f"(i => [i.complete, i.naturalWidth, i.naturalHeight])"
        f'(document.querySelector("{figure} img"))'
    )
    assert image == [True, 640, 360]
    # The overlay sits on the event's normalised box, in the picture as drawn.
    rects = page.evaluate(
        f"['img', '.box'].map(s => document.querySelector(`{figure} ${{s}}`)"
        ".getBoundingClientRect()).map(r => [r.left, r.top, r.width, r.height])"
    )
    (left, top, width, height), box = rects
    x1, y1, x2, y2 = EVENT_BOX
    expected = [left + x1 * width, top + y1 * height, (x2 - x1) * width, (y2 - y1) * height]
    assert width > 200 and all(abs(a - b) < 1.5 for a, b in zip(box, expected, strict=True)), rects
    caption = page.inner_text(f"{figure} figcaption")
    assert caption.startswith("Règle fountain · ") and "piste o0-3" in caption
    page.wait_for_selector("#incident .analytics .decision[data-decision=none]")
    page.keyboard.press("y")
    entry = page.wait_for_selector("#incident li[data-kind=analytics_decision]")
    assert "confirmé par operator : Intrusion en zone interdite" in entry.inner_text()
    page.wait_for_selector("#incident .analytics .decision[data-decision=confirmed]")
    assert page.locator(f"{figure} .snapshot[data-state=shown] img").count() == 1
    page.screenshot(path=str(ARTIFACTS / "console-analytics-confirmed.png"))
    detail = httpx.get(
        f"{server.url}/api/incidents/{incident}", headers=headers(server, "operator")
    ).json()
    decisions = [e for e in detail["timeline"] if e["kind"] == "analytics_decision"]
    assert [(d["author"], d["data"]["decision"]) for d in decisions] == [("operator", "confirmed")]
    (shown,) = detail["analytics"]
    assert (shown["event_id"], shown["rule"], shown["box"]) == (event_id, "fountain", [*EVENT_BOX])
    # Changing one's mind is a new decision, with the button this time; the last one counts.
    page.click("#incident [data-control=dismiss]")
    page.wait_for_selector("#incident .analytics .decision[data-decision=dismissed]")
    assert page.locator("#incident li[data-kind=analytics_decision]").count() == 2
    # Redrawn after each decision, the snapshot was fetched once: one logged access.
    logged = snapshot_log(server, event_id)
    assert [(e["user"], e["camera_id"], e["outcome"]) for e in logged] == [
        ("operator", "cam-plaza", "granted")
    ], logged
    page.context.close()


def test_refused_and_purged_snapshots_are_said_in_plain_words(
    browser: Any, server: Recorder
) -> None:
    """An anonymised viewer is told why there is no picture; a purged snapshot says it is gone."""
    with server.services.db.session() as session:
        identity.create_user(
            session,
            username="anon-viewer",
            role=Role.OPERATOR,
            password=PASSWORD,
            cameras=["*"],
            anonymised_view=True,
        )
    event_id, incident = raise_analytics_event(server)
    page = new_page(browser)
    sign_in(page, server, "anon-viewer")  # type: ignore[arg-type]
    open_incident(page, incident)
    figure = f"#incident .analytics figure[data-event='{event_id}']"
    refusal = page.wait_for_selector(f"{figure} .snapshot[data-state='403'] .error-message")
    assert refusal.inner_text() == (
        "Vous ne pouvez pas voir cet instantané : les images des événements montrent des"
        " visages ; votre vue des caméras est anonymisée."
    )
    assert page.locator(f"{figure} img").count() == 0
    page.wait_for_selector("#incident .analytics [data-control=confirm]")
    page.context.close()
    assert [(e["user"], e["outcome"]) for e in snapshot_log(server, event_id)] == [
        ("anon-viewer", "denied")
    ]

    # Destroyed at retention after the event: the operator reads that it is gone.
    (path,) = (server.services.settings.data_dir / "analytics").glob(f"*/*/{event_id}.jpg")
    path.unlink()
    page = new_page(browser)
    sign_in(page, server, "operator")  # type: ignore[arg-type]
    open_incident(page, incident)
    gone = page.wait_for_selector(f"{figure} .snapshot[data-state='404'] .error-message")
    assert "n'est plus conservé" in gone.inner_text()
    page.context.close()


def test_the_crisis_cell_is_told_it_has_no_playback_right(browser: Any, server: Recorder) -> None:
    """The crisis role watches live but may not play back: the server's 403 sits under the bar."""
    page = new_page(browser)
    sign_in(page, server, "crisis")  # type: ignore[arg-type]
    page.focus("#grid .cam[data-camera='cam-street']")
    page.keyboard.press("p")
    refusal = page.wait_for_selector(f"{BAR} + .error-message")
    assert refusal.inner_text() == "Vous n'avez pas le droit « relecture » sur la caméra cam-street"
    assert page.get_attribute(BAR, "data-spans") == "0"
    page.context.close()
