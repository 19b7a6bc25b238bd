"""The administrator adds a camera in a real headless Chromium: refusals show beside their fields,
the camera comes online with its privacy zone masked (read on the snapshot's pixels), then it
is edited and retired. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.web.conftest import ARTIFACTS, SITE, seed_accounts, served
from tests.web.test_audit_admin_pages import (
    NEW_ZONE,
    bearer,
    signed_in_page,
    snapshot,
    zone_is_masked,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The whole app on a real port, with one account per role."""
    folder = tmp_path_factory.mktemp("admin-cameras")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(SITE))
    with served(app) as base:
        yield base


def status_of(base_url: str, headers: dict[str, str], camera_id: str) -> str | None:
    cameras = httpx.get(f"{base_url}/api/cameras", headers=headers).json()
    return next((c["status"] for c in cameras if c["id"] == camera_id), None)


def fill_camera(page: Any, **values: str) -> None:
    for key, value in values.items():
        page.fill(f"#cam-{key}", value)


def test_admin_adds_a_camera_that_comes_online_masked(browser: Any, base_url: str) -> None:
    page = signed_in_page(browser, base_url, "admin", "/admin")
    page.wait_for_selector("#camera-registry tr[data-camera=cam-street][data-origin=site]")
    zones = json.dumps([[list(p) for p in NEW_ZONE]])
    fill_camera(
        page,
        id="cam-north",
        name="Porte nord",
        source="rtsp//10.0.0.9/stream1",
        retention_days="45",
        privacy_zones=zones,
        reason="",
    )
    page.click("#camera-save")
    source_error = page.locator('[data-error-for="source"]')
    source_error.wait_for()
    assert "missing ':' after 'rtsp'" in source_error.text_content()
    retention_error = page.text_content('[data-error-for="retention_days"]') or ""
    assert "retention_days : doit être au plus égal à 30" in retention_error
    page.locator("#camera-admin-section").screenshot(
        path=str(ARTIFACTS / "admin-camera-refused.png")
    )

    fill_camera(page, source="demo://plaza", retention_days="7", lat="47.476", lon="-0.552")
    page.click("#camera-save")
    page.wait_for_selector('[data-error-for="reason"]:has-text("obligatoire")')
    page.fill("#cam-reason", "Nouvelle caméra porte nord")
    page.click("#camera-save")
    page.wait_for_selector("#camera-registry tr[data-camera=cam-north][data-origin=added]")
    page.wait_for_selector("#cameras tr[data-camera=cam-north]")  # the running cameras' table
    page.wait_for_selector("#zone-camera option[value=cam-north]", state="attached")

    admin = bearer(base_url, "admin")
    deadline = time.monotonic() + 20
    while status_of(base_url, admin, "cam-north") != "online":
        assert time.monotonic() < deadline, status_of(base_url, admin, "cam-north")
        time.sleep(0.2)
    north = snapshot(base_url, admin, "cam-north")
    assert zone_is_masked(north)
    # The same scene without the zone shows a picture there: the mask is the new camera's zone.
    assert not zone_is_masked(snapshot(base_url, admin, "cam-plaza"))
    page.screenshot(path=str(ARTIFACTS / "admin-camera-added.png"), full_page=True)

    page.click("#camera-registry tr[data-camera=cam-north] .edit-camera")
    assert page.input_value("#cam-source") == "demo://plaza"
    assert page.is_disabled("#cam-privacy_zones")
    fill_camera(page, name="Porte nord (est)", reason="Nom de la rue corrigé")
    page.click("#camera-save")
    page.wait_for_selector(
        "#camera-registry tr[data-camera=cam-north]:has-text('Porte nord (est)')"
    )

    page.click("#camera-registry tr[data-camera=cam-north] .retire-camera")
    page.fill(".retire-editor .retire-reason", "Mât démonté")
    page.screenshot(path=str(ARTIFACTS / "admin-camera-retire.png"), full_page=True)
    page.click(".retire-editor button[type=submit]")
    page.wait_for_selector("#camera-registry tr[data-camera=cam-north][data-origin=retired]")
    deadline = time.monotonic() + 10
    while status_of(base_url, admin, "cam-north") is not None:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    page.context.close()


def test_bad_zone_text_is_shown_beside_the_zones(browser: Any, base_url: str) -> None:
    page = signed_in_page(browser, base_url, "admin", "/admin")
    page.wait_for_selector("#camera-form")
    fill_camera(
        page,
        id="cam-south",
        name="Sud",
        source="demo://street",
        privacy_zones="[[[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]]]",
        reason="test",
    )
    page.click("#camera-save")
    error = page.locator('[data-error-for="privacy_zones"]')
    error.wait_for()
    assert "no area" in error.text_content()
    assert page.locator("#camera-registry tr[data-camera=cam-south]").count() == 0
    page.context.close()
