"""Wall latency: from an alarm posted to the layout message a wall display receives.

Run: `python -m bench.wall_latency [--alarms 50]`; prints one JSON line with p50/p95/max (ms).

The server is the whole csu app under uvicorn in this process (SQLite, two demo cameras running,
so the server does its usual video work meanwhile); the display is a WebSocket client on
`/api/walls/{id}/ws`. Each alarm opens a new incident next to a camera: the wall's camera tile
and its timeline tile switch to it, and that layout message is what is timed, from just before
the POST leaves to the message's arrival. The incident is then resolved (the wall goes back)
before the next alarm, so every alarm opens an incident and changes the layout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from bench.alarms.server import serve_in_thread
from bench.alarms.stored import prepare_database

PASSWORD = "quay-lamp-river-7"
TARGET_P95_MS = 250.0
SITE = """
site: {name: Bench, timezone: Europe/Paris}
cameras:
  - {id: cam-street, name: Street, source: 'demo://street', fps: 10,
     location: {lat: 47.47, lon: -0.55}, view: {bearing_deg: 90, fov_deg: 60, range_m: 50}}
  - {id: cam-plaza, name: Plaza, source: 'demo://plaza', fps: 10,
     location: {lat: 47.48, lon: -0.56}, view: {bearing_deg: 180, fov_deg: 70, range_m: 80}}
walls:
  - {id: bench-wall, name: Bench wall, grid: [2, 1]}
"""
# The camera tile and a timeline that follows the most severe open incident.
LAYOUT = {"tiles": [{"x": 0, "y": 0}, {"x": 1, "y": 0, "kind": "timeline", "auto": True}]}


def emit(**fields: Any) -> None:
    """One JSON result line."""
    print(json.dumps({"bench": "wall_latency", **fields}), flush=True)


def serve(folder: Path) -> tuple[uvicorn.Server, str]:
    """csu under uvicorn in a thread; (server, base URL)."""
    from csu.app import create_app
    from csu.config import parse_site
    from csu.settings import Settings

    url = f"sqlite:///{folder / 'csu.db'}"
    prepare_database(url, "bench", PASSWORD)
    settings = Settings(data_dir=folder, database_url=url, log_level="WARNING")
    app = create_app(settings, parse_site(SITE))
    return serve_in_thread(app)


def alarm() -> dict[str, Any]:
    """A new lamp-feeder alarm in front of the street camera."""
    return {
        "source": "bench",
        "external_id": uuid.uuid4().hex,
        "type": "lighting.feeder_down",
        "severity": "high",
        "occurred_at": datetime.now(UTC).isoformat(),
        "location": {"type": "Point", "coordinates": [-0.5499, 47.47]},
        "description": "Feeder down (bench)",
        "data": {},
    }


class Display:
    """A wall display: notes when each layout message arrives."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        self.news = asyncio.Event()

    async def listen(self) -> None:
        """Record every message with its arrival time."""
        async for text in self.ws:
            self.arrivals.append((time.perf_counter(), json.loads(text)))
            self.news.set()

    async def first(self, test: Any, after: int, timeout: float = 10.0) -> float:
        """Arrival time of the first message from index `after` on that passes the test."""
        async with asyncio.timeout(timeout):
            while True:
                for moment, message in self.arrivals[after:]:
                    if test(message):
                        return moment
                self.news.clear()
                await self.news.wait()


def shows(incident: int) -> Any:
    """Whether a layout message puts the incident on a tile."""
    return lambda m: any(t["incident_id"] == incident for t in m["layout"]["tiles"])


async def wait_cameras(http: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """Until both cameras are online (the wall can then show them)."""
    for _ in range(200):
        cameras = (await http.get("/api/cameras", headers=headers)).json()
        if all(c["status"] == "online" for c in cameras):
            return
        await asyncio.sleep(0.1)


async def measure(base: str, count: int) -> list[float]:
    """Post `count` alarms one after the other; the alarm-to-layout latency of each (ms)."""
    async with httpx.AsyncClient(base_url=base, timeout=20) as http:
        login = {"username": "bench", "password": PASSWORD}
        token = (await http.post("/api/auth/login", json=login)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        await wait_cameras(http, headers)
        await http.put("/api/walls/bench-wall/layout", json=LAYOUT, headers=headers)
        ws_url = base.replace("http", "ws") + "/api/walls/bench-wall/ws"
        async with connect(ws_url, additional_headers=headers) as ws:
            display = Display(ws)
            listener = asyncio.create_task(display.listen())
            latencies = [await one_alarm(http, headers, display) for _ in range(count)]
            listener.cancel()
        return latencies


async def one_alarm(http: httpx.AsyncClient, headers: dict[str, str], display: Display) -> float:
    """Time one alarm to its layout message, then resolve its incident and wait for the wall."""
    mark = len(display.arrivals)
    sent = time.perf_counter()
    answer = await http.post("/api/alarms", json=alarm(), headers=headers)
    incident = answer.json()["alarms"][0]["incident_id"]
    arrived = await display.first(shows(incident), mark)
    mark = len(display.arrivals)
    action = {"action": "status", "status": "resolved"}
    await http.post(f"/api/incidents/{incident}/actions", json=action, headers=headers)
    await display.first(lambda m: not shows(incident)(m), mark)
    return (arrived - sent) * 1000


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.wall_latency", description=__doc__)
    parser.add_argument("--alarms", type=int, default=50)
    args = parser.parse_args(argv)
    os.environ.setdefault("CSU_LOG_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory(prefix="csu-bench-wall-") as folder:
        server, base = serve(Path(folder))
        try:
            latencies = asyncio.run(measure(base, args.alarms))
        finally:
            server.should_exit = True
    values = np.asarray(latencies)
    p95 = float(np.percentile(values, 95))
    emit(
        figure="alarm_to_wall_layout_ms",
        alarms=len(latencies),
        p50=round(float(np.percentile(values, 50)), 1),
        p95=round(p95, 1),
        max=round(float(values.max()), 1),
        target_p95=TARGET_P95_MS,
        ok=p95 < TARGET_P95_MS,
    )


if __name__ == "__main__":
    main()
