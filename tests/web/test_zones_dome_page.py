"""The administrator draws a PTZ dome's privacy zone on its snapshot, in a real headless Chromium.

The simulated dome films a panorama with a cyan sign painted on it (a colour found nowhere else).
While the dome moves the editor refuses to draw; once it stands still the admin draws a rectangle
round the sign on the snapshot and saves. The zone is kept on the dome's map and follows it: with
the dome turned and zoomed elsewhere, no cyan pixel shows in any snapshot. Screenshots go to /tmp.
"""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.head import PtzHead
from csu.demo.dome.thread import DeviceThread
from csu.demo.dome.view import DomeVideo
from csu.settings import Settings
from privacy.masking import MASK_COLOUR
from tests.privacy.test_zone_picture import FACADE, VIEW, panorama
from tests.web.conftest import seed_accounts, served
from tests.web.test_audit_admin_pages import bearer, signed_in_page, snapshot

pytestmark = pytest.mark.slow

URL = "/api/cameras/dome/privacy-zones"
SIGN = (0.40, 0.36, 0.47, 0.50)  # the cyan sign on the map: pan -12 to -3.6, tilt -8 to -15
AT_SIGN = (0.3, 0.2, 0.0)  # the sign in the left of the picture, the façade on the right
ELSEWHERE = (-0.1, 0.1, 0.35)  # turned and zoomed in: the sign in the middle, larger


def signed_panorama() -> np.ndarray:
    image = panorama()
    height, width = image.shape[:2]
    x0, y0, x1, y1 = (round(f * n) for f, n in zip(SIGN, (width, height) * 2, strict=True))
    image[y0:y1, x0:x1] = (255, 255, 0)  # BGR cyan; the rest is below 160 in every channel
    return image


def cyan(image: np.ndarray) -> np.ndarray:
    b, g, r = (image[..., i].astype(int) for i in range(3))
    return (b > 200) & (g > 200) & (r < 60)


@pytest.fixture
def dome() -> Iterator[OnvifDevice]:
    """The simulated dome filming the signed panorama."""

    def video(head: PtzHead) -> DomeVideo:
        return DomeVideo(signed_panorama(), VIEW, head.advance, size=(640, 360), fps=8)

    with DeviceThread(OnvifDevice(video=video)) as device:
        yield device


@pytest.fixture
def base_url(dome: OnvifDevice, tmp_path: Path) -> Iterator[str]:
    """The whole app with a fixed camera and the dome (its zone on its map over the façade)."""
    view = json.dumps(VIEW.model_dump(mode="json"))
    zones = json.dumps([[list(p) for p in FACADE]])
    site = parse_site(
        textwrap.dedent(
            f"""
            site: {{name: Testville, timezone: Europe/Paris}}
            cameras:
              - {{id: cam-plaza, name: Plaza, source: "demo://plaza", recording: {{mode: "off"}}}}
              - id: dome
                name: Dome
                source: {dome.stream_url}
                fps: 8
                onvif: {{url: '{dome.url}', username: {dome.username}, password: {dome.password}}}
                ptz_view: {view}
                privacy_zones: {zones}
                recording: {{mode: "off"}}
            """
        )
    )
    url = f"sqlite:///{tmp_path / 'csu.db'}"
    seed_accounts(url)
    with served(create_app(Settings(data_dir=tmp_path / "var", database_url=url), site)) as base:
        yield base


def _until(probe: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return found


def still_at(base_url: str, headers: dict[str, str], position: tuple[float, ...]) -> None:
    """Wait until the server sees the dome still at the head position."""

    def there() -> bool:
        pose = httpx.get(f"{base_url}{URL}", headers=headers).json()["pose"]
        return bool(pose) and abs(pose["pan_deg"] - VIEW.pan(position[0])) < 1e-6

    _until(there)


def masked_share(image: np.ndarray) -> float:
    """How much of a picture is the mask's colour."""
    return float(np.all(np.abs(image.astype(int) - MASK_COLOUR) <= 6, axis=2).mean())


def cyan_box(image: np.ndarray) -> tuple[float, float, float, float]:
    """The sign's bounding box on a picture, normalised."""
    ys, xs = np.nonzero(cyan(image))
    assert len(xs) > 100, "the sign is not in the picture"
    h, w = image.shape[:2]
    return xs.min() / w, ys.min() / h, (xs.max() + 1) / w, (ys.max() + 1) / h


def test_the_admin_draws_a_domes_zone_on_its_picture_and_it_follows_the_dome(
    base_url: str, dome: OnvifDevice, browser: Any
) -> None:
    admin, operator = bearer(base_url, "admin"), bearer(base_url, "operator")
    head = dome.head
    assert head is not None
    head.goto(ELSEWHERE)
    still_at(base_url, admin, ELSEWHERE)
    # Not masked yet (once the picture has caught up with the head).
    _until(lambda: cyan(snapshot(base_url, operator, "dome")).sum() > 500)
    head.continuous((0.2, 0.0, 0.0), None)
    page = signed_in_page(browser, base_url, "admin", "/admin")
    page.select_option("#zone-camera", "dome")

    # Moving: the page says so and refuses a corner.
    page.wait_for_selector("#zone-overlay[data-space='map'][data-pose='unknown']")
    # The dome's state in the server's words, inside the page's sentence.
    assert "Aucune zone ne peut être tracée maintenant : the dome is moving" in page.inner_text(
        "#zone-space"
    )

    def click(x: float, y: float) -> None:
        # Measured at each click: the words above the picture change with the dome's state.
        overlay = page.locator("#zone-overlay")
        box = overlay.bounding_box()
        assert box is not None
        overlay.click(position={"x": x * box["width"], "y": y * box["height"]})

    click(0.5, 0.5)
    error = page.wait_for_selector("#zone-stage + .error-message")
    assert "Impossible de tracer une zone maintenant" in error.inner_text()
    assert page.get_attribute("#zone-overlay", "data-draft") == "0"
    page.screenshot(path="/tmp/zones-dome-moving.png", full_page=True)

    head.goto(AT_SIGN)
    still_at(base_url, admin, AT_SIGN)
    # Frames masked while the dome still moved hide much more than the façade: wait them out.
    _until(lambda: masked_share(snapshot(base_url, operator, "dome")) < 0.15)
    page.click("#zone-refresh")
    page.wait_for_selector("#zone-overlay[data-pose='known'][data-zones='1'] polygon.zone")
    assert "conservées sur sa carte pan/tilt et suivent" in page.inner_text("#zone-space")
    x0, y0, x1, y1 = cyan_box(snapshot(base_url, operator, "dome"))

    # A zone drawn by mistake is selected on the picture and deleted.
    for x, y in ((0.05, 0.05), (0.15, 0.05), (0.1, 0.15)):
        click(x, y)
    page.click("#zone-close")
    page.wait_for_selector("#zone-overlay[data-zones='2'] polygon.zone.new")
    click(0.1, 0.09)
    page.wait_for_selector("#zone-overlay polygon.zone.new.selected")
    page.click("#zone-delete")
    page.wait_for_selector("#zone-overlay[data-zones='1']")

    # The rectangle round the sign, a little larger than it.
    m = 0.02
    for x, y in ((x0 - m, y0 - m), (x1 + m, y0 - m), (x1 + m, y1 + m), (x0 - m, y1 + m)):
        click(x, y)
    page.click("#zone-close")
    page.wait_for_selector("#zone-overlay[data-zones='2'] polygon.zone.new")
    page.screenshot(path="/tmp/zones-dome-drawn.png", full_page=True)
    page.fill("#zone-reason", "a shop sign with a telephone number")
    page.click("#zone-save")
    page.wait_for_selector("#zone-save[data-state='applied']")
    page.wait_for_selector("#zone-overlay[data-pose='known'][data-zones='2']")

    saved = httpx.get(f"{base_url}{URL}", headers=operator).json()
    facade, sign = saved["zones"]
    assert facade == [list(p) for p in FACADE]
    xs, ys = [p[0] for p in sign], [p[1] for p in sign]
    # On the map round the sign (the drawn margin: some 1.4 degrees, 0.012 across, 0.028 down).
    assert min(xs) < SIGN[0] < SIGN[2] < max(xs) and min(ys) < SIGN[1] < SIGN[3] < max(ys)
    assert max(xs) - min(xs) < SIGN[2] - SIGN[0] + 0.05
    _until(lambda: not cyan(snapshot(base_url, operator, "dome")).any())
    page.wait_for_timeout(600)
    page.screenshot(path="/tmp/zones-dome-saved.png", full_page=True)

    # Turned and zoomed elsewhere, the sign stays masked in every snapshot once still.
    head.goto(ELSEWHERE)
    still_at(base_url, admin, ELSEWHERE)
    for _ in range(5):
        assert not cyan(snapshot(base_url, operator, "dome")).any()
        time.sleep(0.2)
    page.click("#zone-refresh")
    page.wait_for_selector("#zone-overlay[data-pose='known'] polygon.zone[data-index='1']")
    page.screenshot(path="/tmp/zones-dome-elsewhere.png", full_page=True)

    # Deleting the façade's zone (selected in the list) asks a second person, who is shown the
    # zones on the dome's map, not over a picture they are not drawn on.
    page.click("#zone-list li[data-index='0']")
    page.wait_for_selector("#zone-overlay polygon.zone.selected[data-index='0']")
    page.click("#zone-delete")
    page.fill("#zone-reason", "the façade was demolished")
    page.click("#zone-save")
    page.wait_for_selector("#zone-save[data-state='pending']")
    assert "de la carte pan/tilt du dôme ne serait plus masqué" in page.inner_text("#zone-status")
    card = "#zone-changes article.zone-change[data-camera='dome']"
    page.wait_for_selector(f"{card} .change-frame[data-space='map']")
    assert "carte pan/tilt" in page.inner_text(f"{card} .map-note")
    page.wait_for_timeout(500)
    assert page.locator(f"{card} img.change-snapshot").count() == 0
    page.locator(card).screenshot(path="/tmp/zones-dome-change.png")
