"""A flood of WHEP offers that never connect, while cameras record and alarms flow (issue #15).

Red-team finding: 100 such offers, 20 at a time with one operator token, exhausted the database
pool; alarms were refused with 500 and the recorder deleted segments it could not index. Now no
request holds a pooled connection while it waits on the network, live sessions are bounded per
user with a clear 429, and every recorded second stays on disk and in the index.
"""

from __future__ import annotations

import asyncio
import itertools
import textwrap
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.conftest import empty_database
from tests.video.test_recording import small_demo
from tests.web.conftest import seed_accounts, served
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_whep import SDP, Server, Viewer, login

pytestmark = pytest.mark.slow
SEGMENT_S = 2
SITE = textwrap.dedent(
    f"""
    site: {{name: Testville, timezone: Europe/Paris}}
    cameras:
      - id: cam-street
        name: Street
        source: demo://street
        location: {{lat: 47.47, lon: -0.55}}
        view: {{bearing_deg: 90, fov_deg: 60, range_m: 50}}
        recording: {{mode: continuous, segment_s: {SEGMENT_S}}}
      - id: cam-plaza
        name: Plaza
        source: demo://plaza
        recording: {{mode: continuous, segment_s: {SEGMENT_S}}}
    """
)
OFFERS, AT_ONCE, PER_USER = 100, 20, 24


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A recording csu on each database kind."""
    with empty_database(request.param, tmp_path) as url:
        seed_accounts(url)
        settings = Settings(
            data_dir=tmp_path / "var", database_url=url, live_sessions_per_user=PER_USER
        )
        app = create_app(settings, parse_site(SITE), camera_opener=small_demo)
        with served(app) as base_url:
            yield Server(base_url, app.state.services)


@pytest.fixture
async def http(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the server."""
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        yield client


def indexed(server: Server, camera_id: str) -> list[tuple[datetime, datetime, str]]:
    """The camera's indexed segments of the last hour: start, end, relative path."""
    now = datetime.now(UTC)
    found = server.services.recordings.index.between(camera_id, now - timedelta(hours=1), now)
    return sorted((s.start, s.end, str(s.path)) for s in found)


def on_disk(server: Server, camera_id: str) -> set[Path]:
    """The camera's segment files."""
    return set((server.services.settings.recordings_dir() / camera_id).rglob("*.ts"))


async def test_half_open_offers_cost_no_footage_and_no_alarm(
    server: Server, http: httpx.AsyncClient
) -> None:
    deadline = time.monotonic() + 30
    while not all(len(indexed(server, c)) >= 2 for c in ("cam-street", "cam-plaza")):
        assert time.monotonic() < deadline, "cameras did not start recording"
        await asyncio.sleep(0.5)
    auth = await login(http, "operator")
    offer = await Viewer().offer()  # gathered once; the flood never answers back
    gate = asyncio.Semaphore(AT_ONCE)

    async def one_offer() -> httpx.Response:
        async with gate:
            return await http.post(
                "/api/cameras/cam-street/whep", content=offer, headers=SDP | auth
            )

    async def alarms() -> list[int]:
        codes = []
        for n in range(60):
            response = await http.post("/api/alarms", json=csu_alarm(f"FLOOD-{n}"), headers=auth)
            codes.append(response.status_code)
        return codes

    flood_start = datetime.now(UTC)
    answers, alarm_codes = await asyncio.gather(
        asyncio.gather(*(one_offer() for _ in range(OFFERS))), alarms()
    )
    codes = [r.status_code for r in answers]
    assert set(codes) <= {201, 429}, sorted(set(codes))
    assert codes.count(201) == PER_USER
    refused = next(r for r in answers if r.status_code == 429)
    assert "live sessions" in refused.json()["detail"] and refused.headers["retry-after"]
    assert set(alarm_codes) <= {200, 201}, alarm_codes

    # Footage: nothing deleted, nothing left out of the index, no hole over the flood.
    await asyncio.sleep(3 * SEGMENT_S)
    for camera in ("cam-street", "cam-plaza"):
        rows = indexed(server, camera)
        paths = {server.services.settings.recordings_dir() / p for *_s, p in rows}
        assert on_disk(server, camera) - paths <= _still_open(server, camera)
        assert all(p.exists() for p in paths), "an indexed segment was deleted"
        during = [(s, e) for s, e, _p in rows if e >= flood_start]
        assert during, f"{camera} recorded nothing during the flood"
        for (_s0, end), (start, _e1) in itertools.pairwise(during):
            assert (start - end).total_seconds() < 1.0, f"{camera}: a gap in the footage"


def _still_open(server: Server, camera_id: str) -> set[Path]:
    # The segment being written now is indexed when it closes.
    files = sorted(on_disk(server, camera_id), key=lambda p: p.stat().st_mtime)
    return set(files[-1:])
