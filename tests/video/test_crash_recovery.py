"""kill -9 of a real `csu serve`: the unfinished segment is kept, the open live view is closed.

The process records one demo camera in long segments and serves one WHEP viewer; it is killed
with SIGKILL, started again on the same data folder and database, and must then index what the
killed recorder had written (played back over HTTP) and log the viewer's `video.live_end` once.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import httpx
import pytest
from sqlmodel import col, select

from csu.db import Database
from privacy.access_log import AccessLogEntry
from tests.web.conftest import PASSWORD, seed_accounts
from tests.web.test_whep import SDP, Viewer

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
SITE = textwrap.dedent(
    """
    site: {name: Testville, timezone: Europe/Paris}
    cameras:
      - id: cam-street
        name: Street
        source: demo://street
        fps: 10
        privacy_zones: [[[0.04, 0.09], [0.46, 0.09], [0.46, 0.51], [0.04, 0.51]]]
        recording: {mode: continuous, segment_s: 120}
    """
)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CsuServe:
    """`csu serve` as an operator runs it, in its own process group."""

    def __init__(self, workdir: Path, database_url: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CSU_DATA_DIR": str(workdir / "var"),
            "CSU_DATABASE_URL": database_url,
        }
        self.runs = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until /healthz answers."""
        self.runs += 1
        self.log = self.workdir / f"serve-{self.runs}.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "csu"), "serve", "--config", "site.yaml", "--port", str(self.port)],
                cwd=self.workdir,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        pytest.fail("csu serve did not answer /healthz within 90 s:\n" + self.log.read_text())

    def kill(self, sig: signal.Signals) -> None:
        """Send the signal and wait for the process to end."""
        assert self.proc is not None
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)

    def close(self) -> None:
        """Make sure nothing is left running (test teardown)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


async def token(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    """Bearer headers for a fresh login."""
    response = await http.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def open_live_view(http: httpx.AsyncClient, auth: dict[str, str]) -> tuple[Viewer, str]:
    """A connected WHEP viewer of cam-street receiving pictures, and its session id."""
    viewer = Viewer()
    response = await http.post(
        "/api/cameras/cam-street/whep", content=await viewer.offer(), headers=SDP | auth
    )
    assert response.status_code == 201, response.text
    await viewer.connect(response.text)
    assert len(await viewer.frames(1.0)) >= 3
    return viewer, response.headers["location"].rsplit("/", 1)[-1]


def live_ends(database_url: str, session_id: str) -> list[dict[str, object]]:
    """Details of every video.live_end entry of one session."""
    db = Database(database_url)
    try:
        with db.session() as session:
            rows = session.exec(
                select(AccessLogEntry).where(col(AccessLogEntry.action) == "video.live_end")
            )
            found = [json.loads(row.details) for row in rows]
    finally:
        db.dispose()
    return [d for d in found if d.get("session") == session_id]


def decoded_frames(mp4: bytes) -> int:
    """How many frames PyAV decodes from an MP4 body."""
    with av.open(io.BytesIO(mp4)) as container:
        return sum(1 for _ in container.decode(video=0))


async def test_kill_9_keeps_the_unfinished_segment_and_closes_the_live_view(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "site.yaml").write_text(SITE)
    seed_accounts(database_url)
    csu = CsuServe(tmp_path, database_url)
    try:
        csu.start()
        started = datetime.now(UTC)
        async with httpx.AsyncClient(base_url=csu.url, timeout=30) as http:
            viewer, session_id = await open_live_view(http, await token(http, "operator"))
            time.sleep(6.0)  # recording on, well inside the 120 s segment
            killed = datetime.now(UTC)
            csu.kill(signal.SIGKILL)
            await viewer.pc.close()
        assert live_ends(database_url, session_id) == [], "nothing could log the end"

        csu.start()
        async with httpx.AsyncClient(base_url=csu.url, timeout=60) as http:
            auth = await token(http, "supervisor")
            since = (started - timedelta(minutes=1)).isoformat()
            window = {"start": since, "end": killed.isoformat()}
            spans = (
                await http.get("/api/cameras/cam-street/recordings", params=window, headers=auth)
            ).json()["spans"]
            # What the killed recorder had written is indexed with its real end time.
            assert len(spans) == 1, spans
            recorded = (
                datetime.fromisoformat(spans[0]["start"]),
                datetime.fromisoformat(spans[0]["end"]),
            )
            assert recorded[0] <= started + timedelta(seconds=3)
            assert killed - timedelta(seconds=2) <= recorded[1] <= killed
            played = await http.get(
                "/api/cameras/cam-street/playback.mp4",
                params={
                    "start": recorded[0].isoformat(),
                    "end": recorded[1].isoformat(),
                    "reason": "crash recovery test",
                },
                headers=auth,
            )
            assert played.status_code == 200, played.text
            seconds = (recorded[1] - recorded[0]).total_seconds()
            assert decoded_frames(played.content) >= 10 * seconds - 5  # 10 fps, less the last
        csu.kill(signal.SIGINT)
        ends = live_ends(database_url, session_id)
        assert len(ends) == 1, ends
        assert ends[0]["reason"] == "server stopped"
        ended_at = datetime.fromisoformat(str(ends[0]["ended_at"]))
        assert started <= ended_at <= killed + timedelta(seconds=1)
    finally:
        csu.close()
