"""Live view across a network that needs TURN, in a real Chromium: a private coturn (Debian's
`turnserver`, started here on 127.0.0.1 with time-limited REST credentials) relays the video when
the site allows relayed paths only, and a session that cannot connect says so on its tile within
5 s and tries again, while the badge keeps the camera's own state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.conftest import require_service
from tests.web.conftest import ARTIFACTS, SITE, seed_accounts, served
from tests.web.test_console_page import check_live_video_is_masked, new_page, sign_in
from tests.web.test_wall_page import Server, token

pytestmark = pytest.mark.slow

SECRET = "csu-test-turn-secret"
STREET_TILE = "#grid .cam[data-camera='cam-street']"
# Every RTCPeerConnection the page makes, with the time it was made (to read its stats and to
# time the tile's words from the first try).
RECORD_PEERS = """
(() => {
  const Native = window.RTCPeerConnection;
  window.__peers = [];
  window.RTCPeerConnection = function (config) {
    const pc = new Native(config);
    window.__peers.push({ pc, at: performance.now(), config });
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
})();
"""
SELECTED_PAIR_JS = """async () => {
  const entry = window.__peers.find((p) => p.pc.connectionState === "connected");
  if (!entry) return null;
  const stats = await entry.pc.getStats();
  let pair = null;
  stats.forEach((s) => {
    const id = s.type === "transport" && s.selectedCandidatePairId;
    if (id) pair = stats.get(id);
  });
  if (!pair) return null;
  return { local: stats.get(pair.localCandidateId).candidateType,
           remote: stats.get(pair.remoteCandidateId).candidateType,
           policy: entry.config.iceTransportPolicy };
}"""
FRAMES_JS = """async () => {
  let frames = 0;
  for (const { pc } of window.__peers) {
    (await pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded || 0;
    });
  }
  return frames;
}"""


@dataclass
class Turn:
    """A private coturn on loopback."""

    port: int
    log: Path


def free_udp_port() -> int:
    """A loopback port no one listens on now (UDP and TCP)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def turn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Turn]:
    """coturn on 127.0.0.1 with coturn's TURN REST API secret (use-auth-secret); loopback peers
    allowed because csu, the browser and the relay all sit on this machine."""
    binary = shutil.which("turnserver")
    if binary is None:
        require_service("coturn (apt-get install coturn)")
    assert binary is not None
    folder = tmp_path_factory.mktemp("coturn")
    port, log = free_udp_port(), folder / "turn.log"
    command = [
        binary, "-n", "--listening-ip=127.0.0.1", f"--listening-port={port}",
        "--relay-ip=127.0.0.1", "--min-port=49152", "--max-port=65535", "--use-auth-secret",
        f"--static-auth-secret={SECRET}", "--realm=csu.test", "--allow-loopback-peers",
        "--no-cli", "--no-tls", "--no-dtls", "--simple-log", f"--log-file={log}",
        f"--pidfile={folder / 'turn.pid'}", "--verbose",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while "listener opened on" not in (log.read_text() if log.exists() else ""):
            assert process.poll() is None, "coturn exited at start"
            assert time.monotonic() < deadline, "coturn did not open its listener"
            time.sleep(0.1)
        yield Turn(port, log)
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def server(turn: Turn, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app under uvicorn, its site allowing relayed paths only, through the test's coturn."""
    folder = tmp_path_factory.mktemp("live-turn")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    live = (
        "live:\n  ice_transport_policy: relay\n"
        f"  ice_servers: [{{urls: ['turn:127.0.0.1:{turn.port}?transport=udp'],"
        f" secret: {SECRET}, ttl_s: 3600}}]\n"
    )
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(SITE + live))
    with served(app) as base:
        yield Server(base)


def test_browsers_get_time_limited_turn_credentials(server: Server) -> None:
    """An authenticated endpoint, never cached; the same servers in the WHEP Link header."""
    assert httpx.get(f"{server.url}/api/live/ice-servers").status_code == 401
    auth = {"Authorization": f"Bearer {token(server, 'operator')}"}
    answer = httpx.get(f"{server.url}/api/live/ice-servers", headers=auth)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["ice_transport_policy"] == "relay"
    (relay,) = body["ice_servers"]
    expiry, login = relay["username"].split(":")
    assert login == "operator" and 3500 < int(expiry) - time.time() <= 3600
    assert body["expires_at"] == int(expiry)
    digest = hmac.new(SECRET.encode(), relay["username"].encode(), hashlib.sha1).digest()
    assert relay["credential"] == base64.b64encode(digest).decode()
    options = httpx.options(f"{server.url}/api/cameras/cam-street/whep", headers=auth)
    assert options.status_code == 204, options.text
    assert options.headers["link"].startswith(f'<{relay["urls"][0]}>; rel="ice-server"; username=')


def test_video_plays_through_turn_when_only_relayed_paths_are_allowed(
    browser: Any, server: Server, turn: Turn
) -> None:
    """The browser offers relayed candidates only; real frames arrive over a relay pair."""
    page = new_page(browser)
    page.add_init_script(RECORD_PEERS)
    sign_in(page, server, "operator")
    page.wait_for_selector(f"{STREET_TILE} video[data-state=playing]")
    # From the tile's first RTCPeerConnection to its first picture, TURN allocations included.
    first_picture_ms = page.evaluate("() => performance.now() - window.__peers[0].at")
    check_live_video_is_masked(page)
    pair = page.evaluate(SELECTED_PAIR_JS)
    assert pair is not None and pair["policy"] == "relay", pair
    assert pair["local"] == "relay", pair
    frames = page.evaluate(FRAMES_JS)
    page.wait_for_timeout(1000)
    assert page.evaluate(FRAMES_JS) > frames + 5
    assert page.locator(f"{STREET_TILE} .problem").is_hidden()
    log = turn.log.read_text()
    assert "operator" in log and "ALLOCATE processed, success" in log, log[-2000:]
    print(json.dumps({"first_picture_ms": round(first_picture_ms), "pair": pair}))
    page.context.close()


def test_a_session_that_cannot_connect_says_why_within_5_s_and_retries(
    browser: Any, server: Server, turn: Turn
) -> None:
    """The TURN server given to the browser does not answer: no path, said on the tile in
    words within 5 s of the first try, tried again, and the badge still shows the camera's
    own state (online), not the page's guess."""
    page = new_page(browser)
    page.add_init_script(RECORD_PEERS)
    dead = free_udp_port()

    def no_turn(route: Any) -> None:
        answer = route.fetch()
        body = answer.json()
        for server_entry in body["ice_servers"]:
            server_entry["urls"] = [f"turn:127.0.0.1:{dead}?transport=udp"]
        route.fulfill(response=answer, json=body)

    page.route("**/api/live/ice-servers", no_turn)
    sign_in(page, server, "operator")
    problem = page.wait_for_selector(f"{STREET_TILE} .problem[data-problem=no_path]", timeout=8000)
    shown_after_ms = page.evaluate("() => performance.now() - window.__peers[0].at")
    text = problem.inner_text()
    assert "vérifier le TURN" in text or "check TURN" in text, text
    assert shown_after_ms < 5000, shown_after_ms
    badge = page.locator(f"{STREET_TILE} .status")
    assert page.locator(STREET_TILE).get_attribute("data-status") == "online"
    assert badge.inner_text() in ("caméra en ligne", "camera online")
    page.screenshot(path=str(ARTIFACTS / "live-no-path.png"))
    tries = page.evaluate("window.__peers.length")
    page.wait_for_function(f"() => window.__peers.length > {tries}", timeout=20000)
    print(json.dumps({"no_path_shown_after_ms": round(shown_after_ms), "text": text}))
    page.context.close()
