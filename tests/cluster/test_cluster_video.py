"""Two camera workers and an API node as real processes: shares, WHEP by redirect, failover."""

from __future__ import annotations

import asyncio
import io
import json
import textwrap
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import cv2
import httpx
import numpy as np
import pytest

from csu.cluster.runtime import KEYS_BUCKET, TICKET_KEY
from csu.cluster.tickets import issue
from csu.db import Database
from csu.identity.service import token_digest
from csu.nats_client import connect
from privacy.access_log import AccessLog
from privacy.masking import MASK_COLOUR
from tests.cluster.processes import Cluster, cluster
from tests.conftest import empty_database
from tests.nats_server import NatsServer
from tests.web.conftest import PASSWORD, seed_accounts
from tests.web.test_whep import SDP, ZONE, Viewer, box

pytestmark = pytest.mark.slow

SITE = textwrap.dedent(
    """
    site: {name: Testville, timezone: Europe/Paris}
    cameras:
      - id: cam-street
        name: Street
        source: demo://street
        fps: 10
        video_loss_after_s: 2
        privacy_zones: [[[0.04, 0.09], [0.46, 0.09], [0.46, 0.51], [0.04, 0.51]]]
        recording: {mode: "off"}
      - id: cam-plaza
        name: Plaza
        source: demo://plaza
        fps: 10
        recording: {mode: continuous, segment_s: 2}
      - {id: cam-bridge, name: Bridge, source: "demo://street", fps: 10, recording: {mode: "off"}}
      - {id: cam-park, name: Park, source: "demo://plaza", fps: 10, recording: {mode: "off"}}
    """
)


@pytest.fixture
def running(tmp_path: Path, nats_server: NatsServer) -> Iterator[Cluster]:
    """Two workers and one API node on a private NATS and a PostgreSQL schema of their own."""
    with empty_database("postgres", tmp_path) as url:
        seed_accounts(url)
        with cluster(tmp_path, SITE, nats_server.url, url) as nodes:
            nodes.worker("w1")
            nodes.worker("w2")
            nodes.api("api1")
            yield nodes


def _login(api: str, username: str = "supervisor") -> dict[str, str]:
    response = httpx.post(
        f"{api}/api/auth/login", json={"username": username, "password": PASSWORD}, timeout=20
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _owners(api: str, auth: dict[str, str]) -> dict[str, str | None]:
    response = httpx.get(f"{api}/api/cluster", headers=auth, timeout=20)
    assert response.status_code == 200, response.text
    return {c["id"]: c["owner"] for c in response.json()["cameras"]}


def _wait_for(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} not within {timeout} s")


async def _watch(api: str, auth: dict[str, str], camera: str) -> tuple[Viewer, str, float]:
    """Open a live view through the API node's redirect; the viewer, its worker URL and the
    mean difference of the zone from the mask colour in the last frame."""
    viewer = Viewer()
    offer = await viewer.offer()
    async with httpx.AsyncClient(timeout=20) as http:
        redirect = await http.post(
            f"{api}/api/cameras/{camera}/whep", content=offer, headers=SDP | auth
        )
        assert redirect.status_code == 307, redirect.text
        target = redirect.headers["location"]
        answer = await http.post(target, content=offer, headers=SDP)
        assert answer.status_code == 201, answer.text
    await viewer.connect(answer.text)
    frames = await viewer.frames(1.0)
    image = frames[-1].to_ndarray(format="bgr24")
    inside = box(image, *ZONE[0], *ZONE[1], inset=8).astype(int)
    return viewer, target, float(np.abs(inside - np.array(MASK_COLOUR)).max())


def test_workers_share_cameras_and_a_killed_workers_cameras_come_back(
    running: Cluster,
) -> None:
    api = running.nodes["api1"].url
    auth = _login(api)
    owners = _wait_for(
        lambda: (o := _owners(api, auth)) and all(o.values()) and o, 30, "every camera served"
    )
    shares = {w: sum(1 for o in owners.values() if o == w) for w in ("w1", "w2")}
    assert shares == {"w1": 2, "w2": 2}, owners

    async def watch_street() -> tuple[str, float]:
        viewer, target, zone_error = await _watch(api, auth, "cam-street")
        await viewer.pc.close()
        return target, zone_error

    target, zone_error = asyncio.run(watch_street())
    first_owner = owners["cam-street"]
    assert target.startswith(running.nodes[str(first_owner)].url + "/api/cameras/cam-street/whep")
    assert zone_error <= 12  # the privacy zone is burned in on the worker

    running.nodes[str(first_owner)].kill()
    killed_at = time.monotonic()
    other = "w2" if first_owner == "w1" else "w1"
    _wait_for(lambda: _owners(api, auth)["cam-street"] == other, 20, "cam-street taken over")
    target, zone_error = asyncio.run(_retry_watch(watch_street))
    back_after = time.monotonic() - killed_at
    assert target.startswith(running.nodes[other].url)
    assert zone_error <= 12
    print(f"cam-street played again {back_after:.1f} s after its worker was killed")
    assert back_after < 15, f"cam-street played again after {back_after:.1f} s"
    assert all(o == other for o in _owners(api, auth).values())
    # The worker that took the camera over raised its video loss and, with the first picture,
    # cleared it: on the API node's engine, through the cluster's bus.
    loss = _wait_for(lambda: _loss_alarm(api, auth, "cleared"), 20, "video loss cleared")
    assert loss["update_count"] >= 1
    assert "its worker stopped" in _loss_alarm_text(api, auth)


def _loss_alarm_text(api: str, auth: dict[str, str]) -> str:
    # The active alarm's words, kept in the incident's timeline.
    response = httpx.get(f"{api}/api/incidents", headers=auth)
    assert response.status_code == 200, response.text
    return response.text


def _loss_alarm(api: str, auth: dict[str, str], status: str) -> dict[str, Any] | None:
    response = httpx.get(f"{api}/api/alarms", params={"type": "video.loss"}, headers=auth)
    assert response.status_code == 200, response.text
    for item in response.json()["items"]:
        if item["alarm"]["camera_id"] == "cam-street" and item["alarm"]["status"] == status:
            found: dict[str, Any] = item
            return found
    return None


async def _retry_watch(watch: Callable[[], Awaitable[tuple[str, float]]]) -> tuple[str, float]:
    # Right after a takeover the camera's first frames are still coming: 503 or no track yet.
    for _ in range(20):
        try:
            return await watch()
        except (AssertionError, TimeoutError, httpx.HTTPError):
            await asyncio.sleep(0.5)
    return await watch()


async def _ticket_key(nats_url: str) -> bytes:
    client = await connect(nats_url, "test")
    try:
        entry = await (await client.jetstream().key_value(KEYS_BUCKET)).get(TICKET_KEY)
        assert entry.value
        return entry.value
    finally:
        await client.close()


def _live_entries(database_url: str) -> list[dict[str, object]]:
    db = Database(database_url)
    try:
        return [
            {"user": e.user, "camera": e.camera_id, "outcome": e.outcome, **json.loads(e.details)}
            for e in AccessLog(db).entries()
            if e.action == "video.live"
        ]
    finally:
        db.dispose()


def test_the_worker_logs_the_view_and_refuses_bad_tickets(running: Cluster) -> None:
    api = running.nodes["api1"].url
    auth = _login(api, "operator")
    supervisor = _login(api)
    owners = _wait_for(
        lambda: (o := _owners(api, supervisor)) and all(o.values()) and o, 30, "every camera served"
    )
    owner = str(owners["cam-plaza"])
    worker_url = running.nodes[owner].url

    async def scenario() -> list[int]:
        viewer, target, _ = await _watch(api, auth, "cam-plaza")
        await viewer.pc.close()
        offer = await Viewer().offer()
        key = await _ticket_key(running.nats_url)
        whep = f"{worker_url}/api/cameras/cam-plaza/whep?ticket="
        token_hash = _viewer_token_hash(auth)

        def ticket(key: bytes, worker: str, now: float | None = None) -> str:
            return issue(
                key,
                user="operator",
                token_hash=token_hash,
                camera="cam-plaza",
                rendition="zones",
                worker=worker,
                now=now,
            )

        expired = ticket(key, owner, now=time.time() - 60)
        elsewhere = ticket(key, "w9")
        forged = ticket(b"k" * 32, owner)
        signed = target.split("ticket=")[1]
        tampered = signed[:-2] + ("AA" if signed[-2:] != "AA" else "BA")  # always changed
        statuses = []
        async with httpx.AsyncClient(timeout=20) as http:
            for url in (target, whep + expired, whep + elsewhere, whep + forged, whep + tampered):
                statuses.append((await http.post(url, content=offer, headers=SDP)).status_code)
        return statuses

    before = len(_live_entries(running.database_url))
    assert asyncio.run(scenario()) == [403] * 5
    logged = _live_entries(running.database_url)[before:]
    # One view served, one entry, written by the worker that served it; the refusals served
    # nothing and so logged no grant.
    assert len(logged) == 1
    assert logged[0]["user"] == "operator" and logged[0]["camera"] == "cam-plaza"
    assert logged[0]["node"] == owner and logged[0]["outcome"] == "granted"


def _viewer_token_hash(auth: dict[str, str]) -> str:
    return token_digest(auth["Authorization"].removeprefix("Bearer "))


def test_snapshots_and_recordings_come_from_the_worker_that_keeps_them(
    running: Cluster,
) -> None:
    api = running.nodes["api1"].url
    supervisor = _login(api)
    owners = _wait_for(
        lambda: (o := _owners(api, supervisor)) and all(o.values()) and o, 30, "cameras served"
    )
    keeper = running.nodes[str(owners["cam-plaza"])].url
    since = datetime.now(UTC)
    auth = _login(api, "operator")
    with httpx.Client(timeout=30, follow_redirects=True) as http:
        shot = http.get(f"{api}/api/cameras/cam-plaza/snapshot.jpg", headers=auth)
        assert shot.status_code == 200, shot.text
        assert [str(r.url).split("?")[0] for r in shot.history] == [
            f"{api}/api/cameras/cam-plaza/snapshot.jpg"
        ]
        assert str(shot.url).startswith(f"{keeper}/api/cameras/cam-plaza/snapshot.jpg?ticket=")
        picture = cv2.imdecode(np.frombuffer(shot.content, np.uint8), cv2.IMREAD_COLOR)
        assert picture is not None and picture.shape[0] > 100 and picture.std() > 10

        # Wait for a few closed segments on the keeper's disk, then play them back.
        params = {"start": since.isoformat(), "reason": "requisition PV-2026-118"}

        def recorded() -> bool:
            listing = http.get(
                f"{api}/api/cameras/cam-plaza/recordings",
                params={"start": since.isoformat(), "end": datetime.now(UTC).isoformat()},
                headers=auth,
            )
            assert listing.status_code == 200, listing.text
            spans = listing.json()["spans"]
            total = sum(
                (datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"])).seconds
                for s in spans
            )
            return total >= 4

        _wait_for(recorded, 40, "4 s recorded")
        params["end"] = datetime.now(UTC).isoformat()
        # As the console's fetch() asks it: across origins once redirected (Origin: null).
        asked = {**auth, "Origin": "null"}
        clip = http.get(f"{api}/api/cameras/cam-plaza/playback.mp4", params=params, headers=asked)
        assert clip.status_code == 200, clip.text
        assert str(clip.url).startswith(f"{keeper}/api/cameras/cam-plaza/playback.mp4?")
        # The page's playback clock counts from X-Playback-Start: exposed, or fetch() hides it.
        first = datetime.fromisoformat(clip.headers["X-Playback-Start"])
        assert since - timedelta(seconds=10) <= first <= datetime.now(UTC), first
        exposed = clip.headers["Access-Control-Expose-Headers"].lower().replace(" ", "")
        assert "x-playback-start" in exposed.split(","), exposed
    with av.open(io.BytesIO(clip.content), mode="r") as container:
        frames = len(list(container.decode(video=0)))
    assert frames >= 20  # about 4 s at 10 fps, masked on the worker before it was recorded
    kinds = [e for e in _entries(running.database_url) if e["camera"] == "cam-plaza"]
    played = [e for e in kinds if e["action"] == "video.playback"]
    assert played and played[-1]["user"] == "operator"
    assert played[-1]["reason"] == "requisition PV-2026-118"
    assert any(e["action"] == "video.snapshot" and e["user"] == "operator" for e in kinds)


def _entries(database_url: str) -> list[dict[str, Any]]:
    db = Database(database_url)
    try:
        return [
            {"user": e.user, "camera": e.camera_id, "action": e.action, "reason": e.reason}
            for e in AccessLog(db).entries()
        ]
    finally:
        db.dispose()


def test_a_logout_on_the_api_node_ends_the_live_view_on_the_worker(running: Cluster) -> None:
    api = running.nodes["api1"].url
    supervisor = _login(api)
    _wait_for(
        lambda: (o := _owners(api, supervisor)) and all(o.values()) and o, 30, "cameras served"
    )
    auth = _login(api, "operator")

    async def scenario() -> float:
        viewer, _, _ = await _watch(api, auth, "cam-street")
        async with httpx.AsyncClient(timeout=20) as http:
            out = await http.post(f"{api}/api/auth/logout", headers=auth)
            assert out.status_code == 204, out.text
        logged_out = time.monotonic()
        closed = asyncio.get_running_loop().create_future()

        @viewer.pc.on("connectionstatechange")
        def _changed() -> None:
            if viewer.pc.connectionState in ("closed", "failed") and not closed.done():
                closed.set_result(time.monotonic())

        ended_at = await asyncio.wait_for(closed, 20)
        await viewer.pc.close()
        return float(ended_at - logged_out)

    after = asyncio.run(scenario())
    ends = [
        e for e in _entries_with_details(running.database_url) if e["action"] == "video.live_end"
    ]
    assert ends and ends[-1]["user"] == "operator"
    assert "logged out" in ends[-1]["details"]["reason"], ends[-1]
    assert after < 10, f"the stream outlived the login by {after:.1f} s"


def _entries_with_details(database_url: str) -> list[dict[str, Any]]:
    db = Database(database_url)
    try:
        return [
            {"user": e.user, "action": e.action, "details": json.loads(e.details or "{}")}
            for e in AccessLog(db).entries()
        ]
    finally:
        db.dispose()
