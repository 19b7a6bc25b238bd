"""The operator console in a real headless Chromium: sign-in, live masked video, the live queue,
keyboard acknowledgement and escalation (seen on the crisis wall), push to a wall, the
connection banner, and what an operator may not see.

Same harness as the wall page test: uvicorn on a free port, Debian's chromium through
Playwright's executable path, screenshots in test-artifacts/.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from privacy.masking import MASK_COLOUR
from tests.web.conftest import ARTIFACTS, TIMEOUT_MS
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_wall_page import Server, token
from tests.web.test_wall_page import server as server

pytestmark = pytest.mark.slow

STREET = "#grid .cam[data-camera='cam-street'] video"
# The test street camera's privacy zone spans x 0.04..0.46, y 0.09..0.51 of the picture.
INSIDE_ZONE = (0.25, 0.30)
OUTSIDE_ZONE = (0.25, 0.80)
PIXEL_JS = """([selector, fx, fy]) => {
  const video = document.querySelector(selector);
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  const context = canvas.getContext('2d');
  context.drawImage(video, 0, 0);
  const x = Math.floor(fx * canvas.width), y = Math.floor(fy * canvas.height);
  return [...context.getImageData(x - 2, y - 2, 5, 5).data];
}"""


def new_page(browser: Any) -> Any:
    """A fresh browser context (no session) and its page."""
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def sign_in(page: Any, server: Server, username: str, then: str = "/console") -> None:
    """Open a page while signed out: it sends us to /login, which brings us back."""
    page.goto(f"{server.url}{then}")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("#username", username)
    page.fill("#password", "test-password-1")
    page.press("#password", "Enter")
    page.wait_for_url(f"{server.url}{then}")
    # The page's modules wait for the catalogue: keys pressed before it is ready would be lost.
    page.wait_for_selector("body[data-ready=true]")


def api_headers(server: Server, username: str = "operator") -> dict[str, str]:
    """Bearer headers for checks made beside the browser."""
    return {"Authorization": f"Bearer {token(server, username)}"}


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll until the check holds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


def pixel(page: Any, where: tuple[float, float]) -> list[int]:
    """The mean RGB of a 5x5 patch of the street camera's video, read back from a canvas."""
    data: list[int] = page.evaluate(PIXEL_JS, [STREET, *where])
    return [round(sum(data[c::4]) / (len(data) // 4)) for c in range(3)]


def check_live_video_is_masked(page: Any) -> None:
    """The street tile plays (its clock advances) and its privacy zone is the mask colour."""
    page.wait_for_function(f'() => document.querySelector("{STREET}")?.currentTime > 0.5')
    before = page.evaluate(f'document.querySelector("{STREET}").currentTime')
    page.wait_for_timeout(1500)
    assert page.evaluate(f'document.querySelector("{STREET}").currentTime') > before + 0.5
    inside, outside = pixel(page, INSIDE_ZONE), pixel(page, OUTSIDE_ZONE)
    mask = list(reversed(MASK_COLOUR))  # BGR in the pipeline, RGB on the canvas
    assert max(abs(a - b) for a, b in zip(inside, mask, strict=True)) <= 14, inside
    assert max(abs(a - b) for a, b in zip(outside, mask, strict=True)) > 20, outside


def test_login_page_refuses_wrong_passwords_in_plain_words(browser: Any, server: Server) -> None:
    """A wrong password is said next to the button; the form stays."""
    page = new_page(browser)
    page.goto(f"{server.url}/console")
    page.wait_for_url(re.compile(r"/login\?next=%2Fconsole"))
    page.fill("#username", "operator")
    page.fill("#password", "not-the-password")
    page.click("#submit")
    error = page.wait_for_selector("#submit + .error-message")
    assert error.inner_text() == "Identifiant ou mot de passe incorrect"
    page.screenshot(path=str(ARTIFACTS / "login-refused.png"))
    page.context.close()


def test_operator_watches_acknowledges_and_escalates(browser: Any, server: Server) -> None:
    """Video plays masked; an alarm arrives live; keys acknowledge and escalate it."""
    page = new_page(browser)
    sign_in(page, server, "operator")
    check_live_video_is_masked(page)
    page.keyboard.press("?")
    assert "acquitter l'incident choisi" in page.wait_for_selector("#help[open]").inner_text()
    page.screenshot(path=str(ARTIFACTS / "console-help.png"))
    page.keyboard.press("Escape")
    page.wait_for_selector("#help", state="hidden")
    page.evaluate("window.notReloaded = true")
    headers = api_headers(server)
    posted = httpx.post(f"{server.url}/api/alarms", json=csu_alarm("CONSOLE-1"), headers=headers)
    incident = posted.json()["alarms"][0]["incident_id"]
    item = f"#queue li[data-id='{incident}']"
    page.wait_for_selector(f"{item}[data-status=new]")
    assert page.evaluate("window.notReloaded") is True
    page.wait_for_selector(f"#map-pane svg .map-marker[data-id='{incident}']")
    page.screenshot(path=str(ARTIFACTS / "console-alarm-arrived.png"))

    page.focus("#queue")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector(f"{item}[aria-selected=true]")
    page.wait_for_selector(f"#incident[data-incident='{incident}']")
    page.keyboard.press("a")
    page.wait_for_selector(f"{item}[data-status=acknowledged]")
    answer = httpx.get(f"{server.url}/api/incidents/{incident}", headers=headers).json()
    assert answer["status"] == "acknowledged"
    kinds = {(e["kind"], e["author"]) for e in answer["timeline"]}
    assert ("acknowledged", "operator") in kinds
    # Acknowledging twice: the server's refusal is shown next to the button, in its words.
    page.keyboard.press("a")
    refusal = page.wait_for_selector("[data-control=acknowledge] + .error-message")
    assert refusal.inner_text() == f"L'incident n° {incident} est « acquitté », pas nouveau"

    note_and_tick(page, server, headers, incident)
    escalate_and_watch_the_wall(page, browser, server, incident)
    push_to_a_wall(page, server, headers)
    page.context.close()


def note_and_tick(page: Any, server: Server, headers: dict[str, str], incident: int) -> None:
    """`n` writes a note, `1` ticks the first procedure step; both reach the server."""
    page.keyboard.press("n")
    page.keyboard.type("lamps off on both sides")
    page.keyboard.press("Enter")
    page.wait_for_selector("#incident li[data-kind=note]")
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.wait_for_selector("#incident [data-control=step-0]:checked")
    answer = httpx.get(f"{server.url}/api/incidents/{incident}", headers=headers).json()
    assert answer["procedure"][0]["done"] and answer["procedure"][0]["by"] == "operator"
    assert any(e["text"] == "lamps off on both sides" for e in answer["timeline"])


def escalate_and_watch_the_wall(page: Any, browser: Any, server: Server, incident: int) -> None:
    """`e` asks the reason, escalates, and the crisis room's wall changes to the crisis layout."""
    wall = browser.new_context(viewport={"width": 1280, "height": 720})
    wall.add_cookies([{"name": "csu_session", "value": token(server, "crisis"), "url": server.url}])
    wall_page = wall.new_page()
    wall_page.set_default_timeout(TIMEOUT_MS)
    wall_page.goto(f"{server.url}/wall/crisis-room")
    wall_page.wait_for_selector("#wall[data-mode=auto]")

    page.keyboard.press("e")
    page.wait_for_selector("#reason-dialog[open]")
    page.keyboard.type("water rising in the underpass")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f"#queue li[data-id='{incident}'] .sev-critical")
    page.wait_for_selector("#incident li[data-kind=escalated]")
    wall_page.wait_for_selector("#wall[data-mode=crisis]")
    wall_page.wait_for_selector(f"#wall .tile[data-kind=timeline][data-incident='{incident}']")
    wall_page.wait_for_function(
        "() => document.querySelector('#wall .tile[data-kind=timeline]').textContent"
        ".includes('water rising in the underpass')"
    )
    page.screenshot(path=str(ARTIFACTS / "console-escalated.png"))
    wall_page.screenshot(path=str(ARTIFACTS / "console-escalated-wall.png"))
    wall.close()


def push_to_a_wall(page: Any, server: Server, headers: dict[str, str]) -> None:
    """`w` opens the push dialog; the chosen content lands on the chosen tile."""
    page.keyboard.press("w")
    page.wait_for_selector("#wall-dialog[open] #wall-cells button")
    page.select_option("#wall-select", "csu-main")
    page.select_option("#wall-what", label="Panneau des alarmes")
    page.click("#wall-cells button[data-x='1'][data-y='0']")
    page.click("#wall-push")
    page.wait_for_selector("#wall-dialog", state="hidden")
    layout = httpx.get(f"{server.url}/api/walls/csu-main/layout", headers=headers).json()
    tile = next(t for t in layout["layout"]["tiles"] if (t["x"], t["y"]) == (1, 0))
    assert tile["kind"] == "alarms"


def test_the_banner_shows_while_the_server_is_away(browser: Any, server: Server) -> None:
    """Requests and the event stream fail: the banner shows; back: it goes and the queue resyncs."""
    from playwright.sync_api import Route, WebSocketRoute

    page = new_page(browser)
    outage, sockets = threading.Event(), []

    def http(route: Route) -> None:
        if outage.is_set():
            route.abort("connectionrefused")
        else:
            route.continue_()

    def events(route: WebSocketRoute) -> None:
        if outage.is_set():
            route.close(code=1011, reason="server unreachable")
            return
        sockets.append(route)
        route.connect_to_server()

    page.route(f"{server.url}/**", http)
    page.route_web_socket(re.compile(r".*/api/events$"), events)
    sign_in(page, server, "operator")
    page.wait_for_selector("#queue li")
    assert page.locator("#banner").is_hidden()
    outage.set()
    for route in sockets:
        route.close(code=1001, reason="server restarting")
    page.wait_for_selector("#banner:not([hidden])")
    page.screenshot(path=str(ARTIFACTS / "console-offline.png"))
    # Something happens while the console is cut off: it must catch up when it is back.
    headers = api_headers(server)
    posted = httpx.post(f"{server.url}/api/alarms", json=csu_alarm("AWAY-1"), headers=headers)
    incident = posted.json()["alarms"][0]["incident_id"]
    page.wait_for_timeout(1000)
    outage.clear()
    page.wait_for_selector("#banner", state="hidden")
    page.wait_for_selector(f"#queue li[data-id='{incident}']")
    page.context.close()


def test_an_operator_gets_no_audit(browser: Any, server: Server) -> None:
    """The access log is refused to an operator, in the API and in the browser."""
    page = new_page(browser)
    sign_in(page, server, "operator")
    status = page.evaluate(
        "fetch('/api/audit/access').then(r => r.json().then(b => [r.status, b.detail]))"
    )
    assert status[0] == 403, status
    response = page.goto(f"{server.url}/audit")
    assert response is not None
    if response.status == 200:  # once the audit page exists, it must say no and show nothing
        refusal = page.wait_for_selector("#not-allowed:not([hidden]), .error-message")
        assert "accès refusé" in refusal.inner_text().lower()
        assert page.locator("#page").count() == 0 or page.locator("#page").is_hidden()
    else:
        assert response.status == 404
    page.context.close()


def test_a_privacy_officer_is_sent_away_from_the_console(browser: Any, server: Server) -> None:
    """Signing in leads the privacy officer to the audit; the console sends them there too."""
    page = new_page(browser)
    page.goto(f"{server.url}/login")
    page.fill("#username", "privacy_officer")
    page.fill("#password", "test-password-1")
    page.press("#password", "Enter")
    page.wait_for_url(f"{server.url}/audit")
    page.goto(f"{server.url}/console")
    page.wait_for_url(f"{server.url}/audit")
    assert page.locator("video").count() == 0
    refused = page.evaluate(
        "fetch('/api/cameras/cam-street/whep', {method: 'POST', headers: "
        "{'Content-Type': 'application/sdp'}, body: 'v=0'}).then(r => r.status)"
    )
    assert refused == 403
    page.context.close()


MAP_JS = """async ([settings]) => {
  const { drawMap } = await import('/static/common/map.js');
  const camera = { id: 'c', name: 'East', status: 'online', location: { lat: 47.47, lon: -0.55 },
                   view: { bearing_deg: 90, fov_deg: 60, range_m: 100 } };
  const svg = drawMap({ cameras: [camera], markers: [{ id: 7, lat: 47.4705, lon: -0.5495,
                        label: '#7', severity: 'high' }], settings, width: 800, height: 600 });
  const box = (selector) => { const node = svg.querySelector(selector);
    return node ? [node.getAttribute('cx'), node.getAttribute('cy')].map(Number) : null; };
  const cone = svg.querySelector('.map-fov').getAttribute('points').trim().split(' ')
    .map((p) => p.split(',').map(Number));
  return { background: svg.dataset.background, camera: box('.map-camera circle'),
           marker: box('.map-marker circle'), cone,
           streets: svg.querySelectorAll('.map-street').length,
           tiles: [...svg.querySelectorAll('image')].map((i) => i.getAttribute('href')) };
}"""


def slippy_tile(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    """The standard tile numbers of a point."""
    n = 2**zoom
    rad = math.radians(lat)
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * n)
    return x, y


def test_the_map_draws_fields_of_view_on_each_background(browser: Any, server: Server) -> None:
    """A camera looking east gets its cone to the east; streets or site tiles or a grid under it."""
    page = new_page(browser)
    page.goto(f"{server.url}/login")
    grid = page.evaluate(MAP_JS, [{}])
    assert grid["background"] == "grid" and grid["streets"] == 0 and grid["tiles"] == []
    (cx, cy), arc = grid["camera"], grid["cone"][1:]
    assert grid["cone"][0] == pytest.approx([cx, cy])
    assert all(x > cx for x, _ in arc)  # bearing 90: east, to the right
    assert min(y for _, y in arc) < cy < max(y for _, y in arc)  # 60 degrees about the axis
    assert grid["marker"][0] > cx  # the marker lies east of the camera too

    street = {"streets": [{"name": "A", "points": [[47.47, -0.551], [47.47, -0.549]]}]}
    assert page.evaluate(MAP_JS, [street])["streets"] == 1
    url = "/tiles/{z}/{x}/{y}.png"
    tiled = page.evaluate(MAP_JS, [{"tile_url": url}])
    assert tiled["background"] == "tiles" and tiled["tiles"]
    zoom = int(tiled["tiles"][0].split("/")[2])
    x, y = slippy_tile(47.47, -0.55, zoom)
    assert f"/tiles/{zoom}/{x}/{y}.png" in tiled["tiles"]
    page.context.close()
