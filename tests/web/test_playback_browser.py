"""Recorded footage in a real headless Chromium: a <video> plays the fragmented playback MP4.

The app runs under uvicorn; the browser holds only the session cookie, as the console does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from privacy.masking import MASK_COLOUR
from tests.conftest import require_service
from tests.video.segments import STREET_T0, street_footage
from tests.web.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    SITE,
    TIMEOUT_MS,
    seed_accounts,
    served,
)

pytestmark = pytest.mark.slow

T0 = STREET_T0


@pytest.fixture
def server(tmp_path: Path, shared_data: Path) -> Iterator[str]:
    """The app serving 12 s of a real street clip, cam-street's zone burned in, from its index."""
    site = parse_site(SITE)
    camera = site.camera("cam-street")
    assert camera is not None
    url = f"sqlite:///{tmp_path / 'csu.db'}"
    seed_accounts(url)
    settings = Settings(data_dir=tmp_path / "var", database_url=url)
    segments = street_footage(
        shared_data,
        settings.recordings_dir() / "cam-street",
        zones=[[list(p) for p in zone] for zone in camera.privacy_zones],
    )
    app = create_app(settings, site)
    with served(app) as base:
        for segment in segments:
            app.state.services.recordings.index.add(segment)
        yield base


def test_a_video_element_plays_recorded_footage_with_the_zone_masked(server: str) -> None:
    """The browser decodes the stream as it arrives: 768x432, its clock runs, the zone is grey."""
    if not CHROMIUM.exists():
        require_service("chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    login = httpx.post(
        f"{server}/api/auth/login", json={"username": "operator", "password": PASSWORD}
    )
    token = login.json()["access_token"]
    query = urlencode(
        {
            "start": T0.isoformat(),
            "end": (T0 + timedelta(seconds=10)).isoformat(),
            "reason": "browser check",
        }
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.add_cookies([{"name": "csu_session", "value": token, "url": server}])
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{server}/healthz")  # any page of the origin
        page.evaluate(
            """src => {
                const video = document.createElement('video');
                video.muted = true;
                video.src = src;
                document.body.appendChild(video);
                video.play();
            }""",
            f"/api/cameras/cam-street/playback.mp4?{query}",
        )
        page.wait_for_function("() => document.querySelector('video').currentTime > 1.0")
        size = page.evaluate(
            "(v => [v.videoWidth, v.videoHeight])(document.querySelector('video'))"
        )
        # Draw the current picture and read a pixel well inside the zone (x 0.04-0.46, y 0.09-0.51).
        inside, outside = page.evaluate(
            """() => {
                const video = document.querySelector('video');
                const canvas = document.createElement('canvas');
                canvas.width = video.videoWidth; canvas.height = video.videoHeight;
                const context = canvas.getContext('2d');
                context.drawImage(video, 0, 0);
                const at = (x, y) => Array.from(context.getImageData(x, y, 1, 1).data);
                return [at(150, 120), at(600, 380)];
            }"""
        )
        browser.close()
    assert size == [768, 432]
    # MASK_COLOUR is BGR; the canvas gives RGB.
    mask_rgb = MASK_COLOUR[::-1]
    assert all(abs(a - b) <= 8 for a, b in zip(inside[:3], mask_rgb, strict=True)), inside
    assert sum(abs(a - b) for a, b in zip(outside[:3], mask_rgb, strict=True)) > 60, outside
