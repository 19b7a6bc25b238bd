"""The privacy officer's and the administrator's pages in a real headless Chromium.

The app runs under uvicorn; the browser is Debian's chromium driven by Playwright through its
executable path. The officer finds the operator's real snapshots and live view in the audit, and
the page holds no picture of any camera; the admin draws a privacy zone that the next snapshot
masks (checked on its pixels), and creates an account with a camera. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from privacy.masking import MASK_COLOUR
from tests.web.conftest import ARTIFACTS, PASSWORD, SITE, TIMEOUT_MS, seed_accounts, served

pytestmark = pytest.mark.slow

SDP = {"Content-Type": "application/sdp"}
# Lower right of cam-plaza, where the site file has no zone.
NEW_ZONE = ((0.55, 0.55), (0.9, 0.55), (0.9, 0.9), (0.55, 0.9))


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The whole app on a real port, with one account per role."""
    folder = tmp_path_factory.mktemp("oversight-pages")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(SITE))
    with served(app) as base:
        yield base


def bearer(base_url: str, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Headers for a fresh session of the account."""
    answer = httpx.post(
        f"{base_url}/api/auth/login", json={"username": username, "password": password}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def signed_in_page(browser: Any, base_url: str, username: str, home: str) -> Any:
    """A fresh browser context signed in through the login form, on the role's home page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"**{home}")
    page.wait_for_selector("body[data-ready=true]")
    return page


def sdp_offer() -> str:
    """A real WebRTC offer (receive-only video), as a browser would send."""
    from aiortc import RTCConfiguration, RTCPeerConnection

    async def make() -> str:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        sdp: str = pc.localDescription.sdp
        await pc.close()
        return sdp

    # Playwright's sync API keeps an event loop on this thread: aiortc gets a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, make()).result()


def snapshot(base_url: str, headers: dict[str, str], camera: str) -> np.ndarray:
    """The camera's masked snapshot, decoded (waits for the first frame)."""
    deadline = time.monotonic() + 15
    while True:
        answer = httpx.get(f"{base_url}/api/cameras/{camera}/snapshot.jpg", headers=headers)
        if answer.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert answer.status_code == 200, answer.text
    image = cv2.imdecode(np.frombuffer(answer.content, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def zone_is_masked(image: np.ndarray, inset: int = 6) -> bool:
    """Whether every pixel inside NEW_ZONE (a little inside its edges) is the mask colour."""
    h, w = image.shape[:2]
    (x0, y0), (x1, y1) = NEW_ZONE[0], NEW_ZONE[2]
    region = image[
        int(y0 * h) + inset : int(y1 * h) - inset, int(x0 * w) + inset : int(x1 * w) - inset
    ]
    return bool(np.all(np.abs(region.astype(int) - np.array(MASK_COLOUR)) <= 10))


def cell_texts(page: Any, selector: str) -> list[list[str]]:
    """The text of every cell of the table body's rows."""
    rows: list[list[str]] = page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))",
    )
    return rows


def test_the_privacy_officer_finds_the_operators_views_and_sees_no_video(
    base_url: str, browser: Any
) -> None:
    """Snapshots and a live view by the operator are in the search and summary; no picture."""
    admin = bearer(base_url, "admin")
    for camera in ("cam-street", "cam-plaza"):
        snapshot(base_url, admin, camera)  # both cameras have frames: no 503 retry below
    operator = bearer(base_url, "operator")
    for _ in range(2):
        answer = httpx.get(f"{base_url}/api/cameras/cam-street/snapshot.jpg", headers=operator)
        assert answer.status_code == 200, answer.text
    offer = sdp_offer()
    live = httpx.post(
        f"{base_url}/api/cameras/cam-plaza/whep", content=offer, headers=SDP | operator
    )
    assert live.status_code == 201, live.text
    httpx.delete(f"{base_url}{live.headers['location']}", headers=operator)
    officer = bearer(base_url, "privacy_officer")
    ended = {"user": "operator", "action": "video.live_end"}
    deadline = time.monotonic() + 10
    while (
        httpx.get(f"{base_url}/api/audit/access", params=ended, headers=officer).json()["total"] < 1
    ):
        assert time.monotonic() < deadline, "the end of the live view was not logged"
        time.sleep(0.2)
    refused = httpx.get(f"{base_url}/api/cameras/cam-street/snapshot.jpg", headers=officer)
    assert refused.status_code == 403
    whep = httpx.post(
        f"{base_url}/api/cameras/cam-street/whep", content=offer, headers=SDP | officer
    )
    assert whep.status_code == 403 and "live-view" in whep.json()["detail"]

    page = signed_in_page(browser, base_url, "privacy_officer", "/audit")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.wait_for_selector("#verify-status[data-ok=true]")
    assert "Intègre" in page.inner_text("#verify-status")
    key = page.inner_text("#verify-key")
    assert "signé par la clé SHA256:" in key and "non épinglée" in key, key
    page.fill("#f-user", "operator")
    page.fill("#f-action", "video.*")
    page.click("#search-button")
    page.wait_for_function(
        "() => document.querySelector('#page-info').textContent.endsWith(' sur 4')"
    )
    rows = cell_texts(page, "#results")
    seen = sorted((r[4], r[5], r[6]) for r in rows)
    assert seen == [
        ("video.live", "cam-plaza", "accordé"),
        ("video.live_end", "cam-plaza", "accordé"),
        ("video.snapshot", "cam-street", "accordé"),
        ("video.snapshot", "cam-street", "accordé"),
    ]
    assert all(r[2] == "operator" and r[3] == "opérateur" for r in rows)

    # The officer's own refusals are there too, and the summary counts the operator's views.
    page.fill("#f-user", "privacy_officer")
    page.fill("#f-action", "")
    page.select_option("#f-outcome", "denied")
    page.click("#search-button")
    page.wait_for_function(
        "() => (() => { const rows = [...document.querySelectorAll('#results tbody tr')];"
        " return rows.length > 0 && rows.every(r => r.cells[2].textContent === 'privacy_officer'"
        " && r.cells[6].textContent === 'refusé'); })()"
    )
    denied = {(r[4], r[5]) for r in cell_texts(page, "#results")}
    assert {("video.snapshot", "cam-street"), ("video.live", "cam-street")} <= denied
    page.wait_for_selector("#summary tbody tr[data-key='cam-street']")
    by_camera = {r[0]: r for r in cell_texts(page, "#summary")}
    # The admin's warm-up snapshots count too: the operator's views come on top of them.
    assert int(by_camera["cam-street"][2]) >= 3 and "operator" in by_camera["cam-street"][5]
    assert int(by_camera["cam-plaza"][2]) >= 2 and "operator" in by_camera["cam-plaza"][5]
    page.select_option("#s-by", "user")
    page.click("#summary-button")
    page.wait_for_selector("#summary tbody tr[data-key='operator']")
    operator_row = page.inner_text("#summary tbody tr[data-key='operator']")
    assert "cam-plaza" in operator_row and "cam-street" in operator_row

    before = page.get_attribute("#verify-status", "data-ok")
    page.click("#verify-now")
    page.wait_for_function("() => !document.querySelector('#verify-now').disabled")
    assert before == "true" and page.get_attribute("#verify-status", "data-ok") == "true"
    with page.expect_download() as download:
        page.click("#export-csv")
    exported = Path(download.value.path()).read_text()
    assert exported.startswith("seq,at,action") and ",video.snapshot,operator," in exported

    pictures = page.evaluate("document.querySelectorAll('video, img, canvas, picture').length")
    assert pictures == 0
    assert not [u for u in requested if "/snapshot" in u or "/whep" in u]
    page.screenshot(path=str(ARTIFACTS / "audit-privacy-officer.png"), full_page=True)
    page.context.close()


def test_the_operator_is_not_allowed_on_the_audit(base_url: str, browser: Any) -> None:
    """An operator gets 403 from the audit API and a plain 'not allowed' on /audit."""
    operator = bearer(base_url, "operator")
    assert httpx.get(f"{base_url}/api/audit/access", headers=operator).status_code == 403
    assert httpx.get(f"{base_url}/api/audit/verify", headers=operator).status_code == 403
    context = browser.new_context()
    token = operator["Authorization"].removeprefix("Bearer ")
    context.add_cookies([{"name": "csu_session", "value": token, "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base_url}/audit")
    page.wait_for_selector("#not-allowed:not([hidden])")
    assert page.inner_text("#not-allowed").startswith("Accès refusé")
    assert not page.is_visible("#page")
    assert page.eval_on_selector_all("#results tbody tr", "rows => rows.length") == 0
    page.screenshot(path=str(ARTIFACTS / "audit-operator-not-allowed.png"))
    page.goto(f"{base_url}/admin")
    page.wait_for_selector("#not-allowed:not([hidden])")
    assert "réservées aux administrateurs" in page.inner_text("#not-allowed")
    context.close()


def test_the_admin_draws_a_zone_and_the_next_snapshot_masks_it(base_url: str, browser: Any) -> None:
    """Four clicks and a save on cam-plaza's snapshot: the area is masked from then on."""
    operator = bearer(base_url, "operator")
    assert not zone_is_masked(snapshot(base_url, operator, "cam-plaza"))
    page = signed_in_page(browser, base_url, "admin", "/admin")
    page.wait_for_selector("#cameras tbody tr[data-camera='cam-street']")
    page.select_option("#zone-camera", "cam-plaza")
    page.wait_for_selector("#zone-overlay[data-zones='0']")
    page.wait_for_function("() => document.querySelector('#zone-snapshot').naturalWidth === 1280")
    # Clicks land in the viewport: the editor is below the cameras' sections.
    page.locator("#zone-overlay").scroll_into_view_if_needed()
    box = page.locator("#zone-overlay").bounding_box()
    picture = page.locator("#zone-snapshot").bounding_box()
    assert box is not None and box["width"] > 600
    # The overlay lies exactly on the picture: where one clicks is where the zone goes.
    assert picture is not None
    assert all(abs(box[k] - picture[k]) <= 1 for k in ("x", "y", "width", "height"))
    for x, y in NEW_ZONE:
        page.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])
    page.wait_for_selector("#zone-overlay[data-draft='4']")
    page.click("#zone-close")
    page.wait_for_selector("#zone-overlay[data-zones='1'] polygon.zone")
    page.click("#zone-save")  # no reason given: refused by the page itself
    error = page.wait_for_selector("#zone-save + .error-message")
    assert error.inner_text() == "Indiquez le motif de cette modification : il est journalisé"
    page.fill("#zone-reason", "flat above the shop")
    page.click("#zone-save")
    page.wait_for_selector("#zone-save[data-state='applied']")
    page.wait_for_selector("#cameras tbody tr[data-camera='cam-plaza'] td.zone-count:text('1')")

    saved = httpx.get(f"{base_url}/api/cameras/cam-plaza/privacy-zones", headers=operator).json()
    (zone,) = saved["zones"]
    for (x, y), (sx, sy) in zip(NEW_ZONE, zone, strict=True):
        assert abs(x - sx) < 0.01 and abs(y - sy) < 0.01
    deadline = time.monotonic() + 10
    while not zone_is_masked(snapshot(base_url, operator, "cam-plaza")):
        assert time.monotonic() < deadline, "the drawn zone is not masked in the snapshot"
        time.sleep(0.2)
    # The editor's own refreshed snapshot shows the mask too (read back through a canvas).
    page.wait_for_timeout(1200)
    inside = page.evaluate(
        """() => {
          const img = document.querySelector('#zone-snapshot');
          const c = document.createElement('canvas');
          c.width = img.naturalWidth; c.height = img.naturalHeight;
          const g = c.getContext('2d'); g.drawImage(img, 0, 0);
          return Array.from(g.getImageData(c.width * 0.72, c.height * 0.72, 1, 1).data.slice(0, 3));
        }"""
    )
    blue, green, red = MASK_COLOUR
    assert max(abs(inside[0] - red), abs(inside[1] - green), abs(inside[2] - blue)) <= 10
    page.screenshot(path=str(ARTIFACTS / "admin-zone-editor.png"), full_page=True)

    # Deleting the zone only asks for it: the area stays masked until a second person agrees.
    page.click("#zone-list li[data-index='0'] .delete-zone")
    page.fill("#zone-reason", "drawn on the wrong camera")
    page.click("#zone-save")
    page.wait_for_selector("#zone-save[data-state='pending']")
    assert "attend la confirmation" in page.inner_text("#zone-status.pending")
    page.wait_for_selector("#zone-overlay[data-zones='1']")  # the zone in force is back in view
    card = "#zone-changes article.zone-change[data-camera='cam-plaza']"
    page.wait_for_selector(f"{card} img.change-snapshot")
    page.wait_for_function(
        f'() => document.querySelector("{card} img.change-snapshot").naturalWidth === 1280'
    )
    # The requester can withdraw, never confirm.
    assert page.locator(f"{card} button").all_inner_texts() == ["Retirer"]
    assert zone_is_masked(snapshot(base_url, operator, "cam-plaza"))
    page.locator(card).scroll_into_view_if_needed()
    page.locator("#zone-changes-section").screenshot(
        path=str(ARTIFACTS / "admin-zone-change-requested.png")
    )

    officer = signed_in_page(browser, base_url, "privacy_officer", "/audit")
    requested: list[str] = []
    officer.on("request", lambda request: requested.append(request.url))
    officer.wait_for_selector(f"{card} svg.change-overlay polygon.now")
    assert "de l'image ne serait plus masqué" in officer.inner_text(f"{card} .change-description")
    assert officer.inner_text(f"{card} .change-reason") == "drawn on the wrong camera"
    pictures = officer.evaluate("document.querySelectorAll('video, img, canvas, picture').length")
    assert pictures == 0
    officer.locator("#zone-changes-section").screenshot(
        path=str(ARTIFACTS / "audit-zone-change-to-confirm.png")
    )
    officer.click(f"{card} button.confirm")  # no reason yet: refused by the page
    officer.wait_for_selector(f"{card} form.decide + .error-message")
    officer.fill(f"{card} input.decision-reason", "no home in view there, a shop sign")
    officer.click(f"{card} button.confirm")
    officer.wait_for_selector("#zone-changes[data-pending='0']")
    assert not [u for u in requested if "/snapshot" in u or "/whep" in u]
    deadline = time.monotonic() + 10
    while zone_is_masked(snapshot(base_url, operator, "cam-plaza")):
        assert time.monotonic() < deadline, "the confirmed removal is still masked"
        time.sleep(0.2)
    zones = httpx.get(f"{base_url}/api/cameras/cam-plaza/privacy-zones", headers=operator).json()
    assert zones["zones"] == []
    officer.context.close()
    page.context.close()


def test_an_admin_refuses_another_admins_change_seen_on_the_masked_snapshot(
    base_url: str, browser: Any
) -> None:
    """A second administrator asks to remove cam-street's zone; the first refuses it on /admin."""
    admin = bearer(base_url, "admin")
    created = httpx.post(
        f"{base_url}/api/users",
        headers=admin,
        json={
            "username": "admin.deux",
            "role": "admin",
            "password": "another-long-pass-9",
            "cameras": ["*"],
        },
    )
    assert created.status_code == 201, created.text
    other = bearer(base_url, "admin.deux", "another-long-pass-9")
    asked = httpx.put(
        f"{base_url}/api/cameras/cam-street/privacy-zones",
        headers=other,
        json={"zones": [], "reason": "the facade was demolished"},
    )
    assert asked.status_code == 202, asked.text
    page = signed_in_page(browser, base_url, "admin", "/admin")
    card = "#zone-changes article.zone-change[data-camera='cam-street']"
    page.wait_for_selector(f"{card} img.change-snapshot")
    page.wait_for_function(
        f'() => document.querySelector("{card} img.change-snapshot").naturalWidth === 1280'
    )
    assert page.locator(f"{card} button").all_inner_texts() == ["Confirmer", "Refuser"]
    assert "demandée par admin.deux" in page.inner_text(f"{card} h3")
    page.locator(card).scroll_into_view_if_needed()
    page.locator(card).screenshot(path=str(ARTIFACTS / "admin-zone-change-to-decide.png"))
    page.fill(f"{card} input.decision-reason", "the flats behind are still there")
    page.click(f"{card} button.refuse")
    page.wait_for_selector("#zone-changes[data-pending='0']")
    zones = httpx.get(f"{base_url}/api/cameras/cam-street/privacy-zones", headers=admin).json()
    assert len(zones["zones"]) == 1
    refused = httpx.get(
        f"{base_url}/api/privacy-zone-changes", params={"state": "refused"}, headers=admin
    ).json()
    assert [(c["requested_by"], c["decided_by"]) for c in refused] == [("admin.deux", "admin")]
    page.context.close()


def test_the_admin_creates_an_account_and_grants_a_camera(base_url: str, browser: Any) -> None:
    """Create, grant a second camera with an expiry, see the refusals in plain words."""
    page = signed_in_page(browser, base_url, "admin", "/admin")
    page.wait_for_selector("#users tbody tr[data-user='street-only']")
    page.fill("#nu-username", "operator")
    page.fill("#nu-password", "a-long-password-7")
    page.click("#nu-create")
    page.wait_for_selector("#nu-create + .error-message")
    assert page.inner_text("#nu-create + .error-message") == "Le compte operator existe déjà"

    page.fill("#nu-username", "night.op")
    page.fill("#nu-password", "short")
    page.click("#nu-create")
    page.wait_for_function(
        "() => document.querySelector('#nu-create + .error-message')"
        ".textContent.includes('il doit compter au moins 12 caractères')"
    )
    page.fill("#nu-password", "a-long-password-7")
    page.check("#nu-cameras input[value='cam-street']")
    page.click("#nu-create")
    row = "#users tbody tr[data-user='night.op']"
    page.wait_for_selector(f"{row} .grant[data-camera='cam-street']")
    assert page.query_selector("#nu-create + .error-message") is None

    page.click(f"{row} .edit-grants")
    editor = f"{row} + tr.account-editor"
    page.check(f"{editor} li[data-camera='cam-plaza'] input.granted")
    page.fill(f"{editor} li[data-camera='cam-plaza'] input.expires", "2099-12-31")
    page.fill(f"{editor} input.reason", "night shift on the plaza")
    page.click(f"{editor} button.save")
    page.wait_for_selector(f"{row} .grant[data-camera='cam-plaza']")
    assert "2099" in page.inner_text(f"{row} .grant[data-camera='cam-plaza']")
    night = bearer(base_url, "night.op", "a-long-password-7")
    cameras = httpx.get(f"{base_url}/api/cameras", headers=night).json()
    assert sorted(c["id"] for c in cameras) == ["cam-plaza", "cam-street"]
    page.screenshot(path=str(ARTIFACTS / "admin-users.png"), full_page=True)

    page.click(f"{row} .deactivate")
    page.fill(f"{editor} input.reason", "left the service")
    page.click(f"{editor} button.save")
    page.wait_for_selector(f"{row}.inactive")
    assert httpx.get(f"{base_url}/api/cameras", headers=night).status_code == 401
    page.click(f"{row} .reactivate")
    page.fill(f"{editor} input.reason", "back from leave")
    page.click(f"{editor} button.save")
    page.wait_for_selector(f"{row}:not(.inactive) .edit-grants")
    again = bearer(base_url, "night.op", "a-long-password-7")
    assert httpx.get(f"{base_url}/api/cameras", headers=again).status_code == 200
    page.context.close()


def test_the_audit_page_shows_a_lost_server_and_recovers(base_url: str, browser: Any) -> None:
    """Server unreachable: banner and a plain error by the button; back: both go, rows return."""
    page = signed_in_page(browser, base_url, "privacy_officer", "/audit")
    page.wait_for_selector("#results tbody tr")
    page.route("**/api/**", lambda route: route.abort("connectionrefused"))
    page.route("**/healthz", lambda route: route.abort("connectionrefused"))
    page.click("#search-button")
    page.wait_for_selector("#banner:not([hidden])")
    error = page.wait_for_selector("#search-button + .error-message")
    assert error.inner_text() == "Serveur injoignable"
    page.screenshot(path=str(ARTIFACTS / "audit-offline.png"))
    page.unroute("**/api/**")
    page.unroute("**/healthz")
    page.wait_for_selector("#banner", state="hidden")
    page.wait_for_selector("#search-button + .error-message", state="detached")
    assert page.eval_on_selector_all("#results tbody tr", "rows => rows.length") > 0
    page.context.close()
