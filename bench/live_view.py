"""Live view: encoder cost per 720p stream, cost per extra WHEP viewer, decode-to-receive latency.

Run: `python -m bench.live_view [--seconds 10] [--viewers 1,8,32]`; prints one JSON line per figure.

The server is the whole csu app under uvicorn in this process (so `time.process_time()` is its CPU);
viewers are real aiortc peers in child processes, as browsers would be. The fan-out viewers skip
decoding (a stub decoder counts frames): decoding is the browser's cost, not the server's, and on
two cores 32 decoders would starve the server being measured. The latency viewer decodes for real.

Latency: the camera source stamps its frame number into the picture as 16 black/white blocks and
notes `time.monotonic()` when the frame leaves the source (the decode moment; masking follows within
0.1 ms); the viewer reads the blocks back from each decoded frame and notes its own monotonic clock,
which is the same system-wide clock in every process on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiortc.rtcrtpreceiver
import httpx
import numpy as np
import uvicorn
from aiortc.codecs.base import Decoder
from aiortc.jitterbuffer import JitterFrame
from av.frame import Frame

from bench.alarms.server import serve_in_thread
from bench.alarms.stored import prepare_database

BITS, BLOCK = 16, 32  # the frame-number stamp: 16 blocks of 32x32 pixels along the top edge
ZONE = [[0.04, 0.09], [0.46, 0.09], [0.46, 0.51], [0.04, 0.51]]
PASSWORD = "quay-lamp-river-7"


def emit(**fields: Any) -> None:
    """One JSON result line."""
    print(json.dumps({"bench": "live_view", **fields}), flush=True)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100)."""
    return float(np.percentile(np.asarray(values), q))


# --- the stamped camera -------------------------------------------------------------------------


def stamp(image: np.ndarray, index: int) -> None:
    """Paint `index` as BITS blocks, most significant first, in the top-right corner."""
    x0 = image.shape[1] - BITS * BLOCK
    for bit in range(BITS):
        on = (index >> (BITS - 1 - bit)) & 1
        image[0:BLOCK, x0 + bit * BLOCK : x0 + (bit + 1) * BLOCK] = 255 if on else 0


def read_stamp(gray: np.ndarray) -> int:
    """The frame number painted by `stamp`, read from the block centres."""
    x0, q = gray.shape[1] - BITS * BLOCK, BLOCK // 4
    value = 0
    for bit in range(BITS):
        cell = gray[q : BLOCK - q, x0 + bit * BLOCK + q : x0 + (bit + 1) * BLOCK - q]
        value = (value << 1) | int(cell.mean() > 128)
    return value


class StampedSource:
    """The demo street at 720p with its frame number painted in, and when each frame left."""

    left_at: dict[int, float] = {}  # shared with the benchmark: one camera, one source at a time

    def __init__(self, fps: float) -> None:
        from video.sources.demo import DemoSource

        self._demo = DemoSource("street", fps, 1280, 720)
        self.nominal_fps = fps
        self._index = 0

    def read(self) -> np.ndarray:
        """The next frame, stamped."""
        image = self._demo.read()
        stamp(image, self._index % (1 << BITS))
        # The ingest worker numbers frames the same way (from 0, one per read).
        StampedSource.left_at[self._index] = time.monotonic()
        self._index += 1
        return image

    def close(self) -> None:
        """Stop."""
        self._demo.close()


def stamped_opener(_url: str, fps: float) -> StampedSource:
    """The camera opener the benchmark's app uses."""
    return StampedSource(fps)


# --- the server ---------------------------------------------------------------------------------


def serve(folder: Path) -> tuple[uvicorn.Server, str]:
    """csu with one stamped 720p25 camera, under uvicorn in a thread; (server, base URL)."""
    from csu.app import create_app
    from csu.config import parse_site
    from csu.settings import Settings

    url = f"sqlite:///{folder / 'csu.db'}"
    prepare_database(url, "bench", PASSWORD)
    site = parse_site(
        "site: {name: Bench, timezone: Europe/Paris}\n"
        "cameras:\n"
        f"  - {{id: cam-bench, name: Bench, source: 'demo://street', fps: 25, "
        f"privacy_zones: [{json.dumps(ZONE)}]}}\n"
    )
    app = create_app(
        Settings(data_dir=folder, database_url=url, log_level="WARNING"),
        site,
        camera_opener=stamped_opener,
    )
    return serve_in_thread(app)


# --- the viewers (a child process) -------------------------------------------------------------


class CountingDecoder(Decoder):
    """Stands in for a browser's decoder: counts the frames it is given, decodes none."""

    frames = 0

    def decode(self, encoded_frame: JitterFrame) -> list[Frame]:
        """Count one frame."""
        CountingDecoder.frames += 1
        return []


async def open_peer(http: httpx.AsyncClient) -> tuple[Any, str]:
    """A receive-only aiortc peer connected over WHEP; (peer, session URL)."""
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    response = await http.post(
        "/api/cameras/cam-bench/whep",
        content=pc.localDescription.sdp,
        headers={"Content-Type": "application/sdp"},
    )
    response.raise_for_status()
    await pc.setRemoteDescription(RTCSessionDescription(sdp=response.text, type="answer"))
    return pc, response.headers["location"]


async def read_stamps(pc: Any, received: list[tuple[int, float]]) -> None:
    """Note each decoded frame's stamp and when it arrived."""
    track = pc.getReceivers()[0].track
    while True:
        frame = await track.recv()
        now = time.monotonic()
        plane = frame.planes[0]  # luma only: white blocks are ~235, black ~16
        luma = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)
        received.append((read_stamp(luma[:, : frame.width]), now))


async def watch(base: str, token: str, count: int, seconds: float, decode: bool) -> None:
    """Connect `count` viewers, say "ready", watch for `seconds`, then report and leave."""
    if not decode:
        # The receiver looks its decoder up in its own module namespace at each new codec.
        vars(aiortc.rtcrtpreceiver)["get_decoder"] = lambda _codec: CountingDecoder()
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=auth, timeout=60) as http:
        peers = [await open_peer(http) for _ in range(count)]
        while any(pc.connectionState != "connected" for pc, _ in peers):
            await asyncio.sleep(0.05)
        received: list[tuple[int, float]] = []
        readers = [asyncio.create_task(read_stamps(pc, received)) for pc, _ in peers if decode]
        await asyncio.sleep(1.0)
        print("ready", flush=True)
        frames, started = CountingDecoder.frames, time.monotonic()
        received.clear()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        frames = (CountingDecoder.frames - frames) if not decode else len(received)
        for task in readers:
            task.cancel()
        for pc, location in peers:
            await http.delete(location)
            await pc.close()
    print(json.dumps({"frames": frames, "seconds": elapsed, "received": received}), flush=True)


# --- the measurements ---------------------------------------------------------------------------


def encoder_cost(frames: int = 250) -> None:
    """CPU of the shared encoder (conversion + x264) per 720p frame, and per 25 fps stream."""
    from video.encoding import EncoderSettings, H264Stream
    from video.scenes import make_scene

    scene = make_scene("street", 1280, 720)
    images = [scene.render(i / 25) for i in range(frames)]
    stream = H264Stream(EncoderSettings(fps=25))
    stream.encode(images[0], 0)  # codec start-up is not per-frame cost
    started = time.process_time()
    for i, image in enumerate(images[1:], start=1):
        stream.encode(image, i * 3600)
    per_frame = (time.process_time() - started) / (frames - 1)
    emit(
        metric="encoder_cpu",
        resolution="1280x720",
        ms_per_frame=round(per_frame * 1000, 3),
        cores_per_stream_at_25fps=round(per_frame * 25, 4),
    )


def run_viewers(base: str, token: str, count: int, seconds: float, decode: bool) -> dict[str, Any]:
    """Run `count` viewers in a child process; the server's CPU is sampled while they watch."""
    command = [sys.executable, "-m", "bench.live_view", "--client", base, "--token", token]
    command += ["--count", str(count), "--seconds", str(seconds)] + (["--decode"] if decode else [])
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    line = child.stdout.readline()
    if line.strip() != "ready":
        raise RuntimeError(f"viewers did not start: {line!r}")
    time.sleep(0.5)  # let the joins' forced keyframes pass
    cpu, wall = time.process_time(), time.monotonic()
    time.sleep(seconds - 1.0)
    cores = (time.process_time() - cpu) / (time.monotonic() - wall)
    report: dict[str, Any] = json.loads(child.stdout.readline())
    child.wait(30)
    report["server_cores"] = cores
    return report


def fan_out_cost(base: str, token: str, counts: list[int], seconds: float) -> None:
    """Server CPU with N viewers; the slope between the smallest and largest N is per viewer."""
    idle_cpu, idle_wall = time.process_time(), time.monotonic()
    time.sleep(seconds / 2)
    idle = (time.process_time() - idle_cpu) / (time.monotonic() - idle_wall)
    emit(metric="server_cpu", viewers=0, cores=round(idle, 4), note="ingest only, no encoder")
    measured: dict[int, float] = {}
    for count in counts:
        report = run_viewers(base, token, count, seconds, decode=False)
        measured[count] = report["server_cores"]
        emit(
            metric="server_cpu",
            viewers=count,
            cores=round(report["server_cores"], 4),
            fps_per_viewer=round(report["frames"] / count / report["seconds"], 1),
        )
        time.sleep(1.0)
    low, high = min(counts), max(counts)
    per_viewer = max((measured[high] - measured[low]) / (high - low), 1e-9)
    emit(
        metric="fan_out",
        cores_per_extra_viewer=round(per_viewer, 5),
        viewers_per_core=round(1.0 / per_viewer, 1),
        from_viewers=low,
        to_viewers=high,
    )


def latency(base: str, token: str, seconds: float) -> None:
    """Decode-to-received latency for one decoding WHEP viewer at 25 fps."""
    report = run_viewers(base, token, 1, seconds, decode=True)
    left = StampedSource.left_at
    # Stamps wrap at 2**16 frames (43 min at 25 fps): the newest frame with that number counts.
    by_stamp = {index % (1 << BITS): t for index, t in sorted(left.items())}
    lags = [
        (received - by_stamp[int(stamp_value)]) * 1000
        for stamp_value, received in report["received"]
        if int(stamp_value) in by_stamp
    ]
    emit(
        metric="latency_ms",
        samples=len(lags),
        p50=round(percentile(lags, 50), 1),
        p95=round(percentile(lags, 95), 1),
        max=round(max(lags), 1),
    )


def bench(seconds: float, counts: list[int]) -> None:
    """Every measurement, in order."""
    encoder_cost()
    with tempfile.TemporaryDirectory() as folder:
        server, base = serve(Path(folder))
        try:
            response = httpx.post(
                f"{base}/api/auth/login", json={"username": "bench", "password": PASSWORD}
            )
            token = response.json()["access_token"]
            fan_out_cost(base, token, counts, seconds)
            latency(base, token, seconds)
        finally:
            server.should_exit = True
            time.sleep(1.0)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark, or (`--client`) be its viewers."""
    parser = argparse.ArgumentParser(prog="python -m bench.live_view", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--viewers", default="1,8,32", help="viewer counts for the fan-out cost")
    parser.add_argument("--client", metavar="BASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--decode", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        asyncio.run(watch(args.client, args.token, args.count, args.seconds, args.decode))
        return
    os.environ.setdefault("CSU_LOG_LEVEL", "WARNING")
    bench(args.seconds, [int(n) for n in args.viewers.split(",")])


if __name__ == "__main__":
    main()
