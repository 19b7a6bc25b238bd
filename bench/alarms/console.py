"""The console: a child process on WebSocket /api/events that timestamps every `alarms` frame.

Every payload is one alarm, the engine takes payloads in order, and each `alarms` frame carries a
`total` (+ `rejected`) that adds up to the payloads handled so far. So the payload of rank r (its
raw id) was pushed with the first frame whose running total reaches r.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from bench.alarms.server import Child, spawn


@dataclass
class Frames:
    """The `alarms` frames a console received: when, running payload count, listed ids."""

    times: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    listed: dict[str, float] = field(default_factory=dict)
    incident_frames: int = 0
    cpu_s: float = 0.0

    def pushed_at(self, rank: int) -> float | None:
        """When the payload of this rank (1 = first handled) reached the console."""
        i = bisect.bisect_left(self.counts, rank)
        return self.times[i] if i < len(self.times) else None

    def handled_by(self, moment: float) -> int:
        """The running count of payloads the console had seen pushed at `moment`."""
        i = bisect.bisect_right(self.times, moment)
        return self.counts[i - 1] if i else 0

    def add(self, at: float, message: dict[str, Any]) -> None:
        """Count one frame received at `at`."""
        if message["type"] == "incident":
            self.incident_frames += 1
        if message["type"] != "alarms":
            return
        running = self.counts[-1] if self.counts else 0
        running += int(message["total"]) + int(message["rejected"])
        self.times.append(at)
        self.counts.append(running)
        for alarm in message["alarms"]:
            if alarm["created"]:  # a re-send shares its original's external id
                self.listed.setdefault(alarm["external_id"], at)


class Console:
    """A console following a node's /api/events in a child process, until `close`."""

    def __init__(self, base_url: str, token: str) -> None:
        self.child: Child = spawn(follow, base_url, token)
        if self.child.conn.recv() != "ready":
            raise RuntimeError("console did not connect")

    def close(self) -> Frames:
        """Stop following; the frames it received."""
        self.child.conn.send("stop")
        frames: Frames = self.child.conn.recv()
        self.child.process.join(5)
        return frames


def follow(base_url: str, token: str, conn: Connection) -> None:
    """Child process: follow /api/events until the parent says stop; send back the frames."""
    conn.send(asyncio.run(_follow(base_url, token, conn)))


async def _follow(base_url: str, token: str, conn: Connection) -> Frames:
    import websockets

    frames = Frames()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_reader(conn.fileno(), stop.set)
    url = base_url.replace("http", "ws", 1) + "/api/events"
    headers = {"Authorization": f"Bearer {token}"}
    async with websockets.connect(url, additional_headers=headers, max_size=None) as ws:
        conn.send("ready")
        cpu0 = time.process_time()
        stopping = asyncio.create_task(stop.wait())
        while True:
            receiving = asyncio.create_task(ws.recv())
            await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not receiving.done():
                receiving.cancel()
                break
            frames.add(time.monotonic(), json.loads(receiving.result()))
        frames.cpu_s = time.process_time() - cpu0
    return frames
