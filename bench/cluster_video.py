"""Cluster video: cameras per worker core with 1, 2 and 3 workers, an idle worker, failover times.

Run: `python -m bench.cluster_video [--per-worker 2] [--fps 25] [--recording continuous]
[--workers 1,2,3] [--seconds 20] [--failovers 3] [--postgres URL]`; prints one JSON line per figure.

Every node is a real `csu worker` or `csu serve` process (bench._cluster), on a private
`nats-server -js` per phase and a fresh database per run on the PostgreSQL server `--postgres`.

Scaling: with N workers the site has `--per-worker` x N 720p demo cameras (`demo://street` and
`demo://plaza` in turn, the demo's privacy zones, recording continuous in 10 s segments as the demo
records, or `--recording off`), split by lease. Once each worker holds its share and every camera
is online, each worker's CPU (user + system, with any children, psutil) is taken over
`--seconds` after a warm-up, the NATS server's apart, and each camera's frame rate is read from the
heartbeats. `cameras_per_core` is cameras over the cores the workers used; `ratio_to_linear` is
frames delivered per worker core over the first run's (N=1): 1.0 means no cost growing with N.
Workers with no cameras (leases, heartbeat, bus alone) are measured alone and N at a time.

Failover: two workers and an API node share four cameras. The first camera's worker is killed
(SIGKILL); from then GET /api/cluster is polled every 0.1 s until the other worker owns each of its
cameras (the API node refreshes its view every heartbeat, 1 s), and meanwhile a console's retries
(every 0.25 s) ask the API node for that camera over WHEP until one gets 307, then 201 from the
worker named, then a frame decoded by aiortc. The killed worker starts again; the round repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench._cluster import Cluster, Node, cluster, private_nats
from bench.alarms.measure import load_averages as load
from bench.alarms.measure import tree_cpu
from bench.alarms.server import login as bearer
from bench.alarms.stored import postgres_database
from bench.alarms.stored import prepare_database as create_account

SCENES = {  # the demo's scenes and its privacy zones on them (csu/demo/site.yaml)
    "street": [
        [[0.04, 0.09], [0.46, 0.09], [0.46, 0.51], [0.04, 0.51]],
        [[0.54, 0.09], [0.96, 0.09], [0.96, 0.51], [0.54, 0.51]],
    ],
    "plaza": [[[0.69, 0.0], [1.0, 0.0], [1.0, 0.31], [0.69, 0.31]]],
}
USERNAME, PASSWORD = "bench-supervisor", "quay-lamp-river-7"
POLL_S = 0.1


def emit(**fields: Any) -> None:
    """One JSON result line."""
    print(json.dumps({"bench": "cluster_video", **fields}), flush=True)


def site_yaml(cameras: int, fps: int, recording: str) -> str:
    """A site of `cameras` demo cameras, street and plaza in turn, with the demo's zones."""
    entries = []
    for i in range(cameras):
        scene = list(SCENES)[i % len(SCENES)]
        entries.append(
            {
                "id": f"cam-{i + 1:03d}",
                "name": f"Camera {i + 1}",
                "source": f"demo://{scene}",
                "fps": fps,
                "privacy_zones": SCENES[scene],
                "recording": {"mode": recording, "segment_s": 10},
            }
        )
    site = {"site": {"name": "Bench cluster", "timezone": "Europe/Paris"}, "cameras": entries}
    return yaml.safe_dump(site, sort_keys=False)


def prepare_database(url: str) -> None:
    """Migrate once and create the supervisor the failover phase signs in as."""
    create_account(url, USERNAME, PASSWORD, role="supervisor")


@contextlib.contextmanager
def running(folder: Path, site: str, database_url: str) -> Iterator[tuple[Cluster, int]]:
    """A private NATS and a cluster on it, in `folder`; (cluster, NATS server's pid)."""
    folder.mkdir(parents=True)
    with private_nats(folder / "nats") as nats, cluster(folder, site, nats.url, database_url) as c:
        yield c, nats.process.pid


# --- scaling ------------------------------------------------------------------------------------


async def worker_cameras(nats_url: str) -> dict[str, dict[str, Any]]:
    """Each live worker's cameras as its heartbeat reports them (state, fps)."""
    import nats

    from csu.cluster.nodes import nodes

    # A plain client: csu's own reconnects forever and logs every close as a lost connection.
    client = await nats.connect(nats_url, name="bench")
    try:
        found = await nodes(client.jetstream())
    finally:
        await client.close()
    return {
        n.name: {c: r.model_dump() for c, r in n.cameras.items()}
        for n in found
        if n.role == "worker"
    }


def wait_split(nats_url: str, names: list[str], per_worker: int, timeout: float = 180) -> None:
    """Wait until every worker holds `per_worker` cameras and every one of them is online."""
    deadline = time.monotonic() + timeout
    while True:
        seen = asyncio.run(worker_cameras(nats_url))
        if sorted(seen) == sorted(names) and all(
            len(cams) == per_worker and all(r["state"] == "online" for r in cams.values())
            for cams in seen.values()
        ):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"cameras not split {per_worker} a worker: {seen}")
        time.sleep(0.5)


def measure(nats_url: str, workers: list[Node], nats_pid: int, seconds: float) -> dict[str, Any]:
    """Each worker's cores over `seconds` (and the NATS server's), and the mean frame rate each
    camera reached."""
    before = {w.name: tree_cpu(w.process.pid) for w in workers}
    nats_before = tree_cpu(nats_pid)
    started = time.monotonic()
    fps: dict[str, list[float]] = {}
    owners: dict[str, set[str]] = {w.name: set() for w in workers}
    while time.monotonic() - started < seconds:
        for name, cams in asyncio.run(worker_cameras(nats_url)).items():
            owners.setdefault(name, set()).update(cams)
            for camera, report in cams.items():
                fps.setdefault(camera, []).append(report["fps"])
        time.sleep(1.0)
    wall = time.monotonic() - started
    cores = {w.name: (tree_cpu(w.process.pid) - before[w.name]) / wall for w in workers}
    return {
        "wall_s": round(wall, 1),
        "cores": cores,
        "nats_server_cores": round((tree_cpu(nats_pid) - nats_before) / wall, 4),
        "cameras": {name: len(cams) for name, cams in owners.items()},
        "fps": {camera: statistics.fmean(values) for camera, values in fps.items()},
    }


def steady_run(
    folder: Path, database_url: str, n: int, per_worker: int, opts: Any
) -> dict[str, Any]:
    """N workers sharing N x `per_worker` cameras: their CPU and frame rates, once steady."""
    site = site_yaml(n * per_worker, opts.fps, opts.recording)
    with running(folder, site, database_url) as (nodes, nats_pid):
        workers = [nodes.worker(f"w{i + 1}") for i in range(n)]
        wait_split(nodes.nats_url, [w.name for w in workers], per_worker)
        time.sleep(opts.warmup)
        load_before = load()
        result = measure(nodes.nats_url, workers, nats_pid, opts.seconds)
        result["load_before_after"] = [load_before, load()]
        return result


def report_scaling(n: int, result: dict[str, Any], base: float | None, opts: Any) -> float:
    """Emit one scaling figure; returns frames a second per worker core (the linear base)."""
    cameras = sum(result["cameras"].values())
    cores = sum(result["cores"].values())
    frames = sum(result["fps"].values())
    per_core = float(frames / cores)
    emit(
        figure="cameras per worker core",
        workers=n,
        cameras=cameras,
        nominal_fps=opts.fps,
        recording=opts.recording,
        wall_s=result["wall_s"],
        worker_cores={k: round(v, 3) for k, v in result["cores"].items()},
        cameras_per_worker=result["cameras"],
        cores_total=round(cores, 3),
        cores_per_camera=round(cores / cameras, 4),
        cameras_per_core=round(cameras / cores, 2),
        measured_fps_per_camera=round(frames / cameras, 2),
        frames_per_s_per_core=round(per_core, 1),
        ratio_to_linear=round(per_core / base, 3) if base else 1.0,
        nats_server_cores=result["nats_server_cores"],
        load_before_after=result["load_before_after"],
    )
    return per_core


def report_idle(n: int, result: dict[str, Any]) -> None:
    """Emit what N workers with no cameras cost: leases, heartbeats and the bus alone."""
    emit(
        figure="idle worker (no cameras)",
        workers=n,
        wall_s=result["wall_s"],
        worker_cores={k: round(v, 4) for k, v in result["cores"].items()},
        cores_per_worker=round(statistics.fmean(result["cores"].values()), 4),
        nats_server_cores=result["nats_server_cores"],
        load_before_after=result["load_before_after"],
    )


# --- failover -----------------------------------------------------------------------------------


async def owners(http: httpx.AsyncClient) -> dict[str, str | None]:
    """Camera -> owning worker, as GET /api/cluster on the API node says."""
    response = await http.get("/api/cluster")
    response.raise_for_status()
    return {c["id"]: c["owner"] for c in response.json()["cameras"]}


async def first_frame(http: httpx.AsyncClient, camera: str) -> str:
    """One live view through the API node: 307, then 201 from the worker, then a decoded frame.

    Returns the worker URL it played from; raises on any step that fails.
    """
    import av
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver("video", direction="recvonly")
        track: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        pc.on("track", track.set_result)
        await pc.setLocalDescription(await pc.createOffer())
        sdp = {"Content-Type": "application/sdp"}
        offer = pc.localDescription.sdp
        redirect = await http.post(f"/api/cameras/{camera}/whep", content=offer, headers=sdp)
        if redirect.status_code != 307:
            raise RuntimeError(f"API node answered {redirect.status_code}")
        target = redirect.headers["location"]
        # The ticket in the URL authorises at the worker; no bearer token goes there.
        async with httpx.AsyncClient(timeout=10) as plain:
            answer = await plain.post(target, content=offer, headers=sdp)
        if answer.status_code != 201:
            raise RuntimeError(f"worker answered {answer.status_code}")
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer.text, type="answer"))
        frame = await asyncio.wait_for((await asyncio.wait_for(track, 5)).recv(), 5)
        if not isinstance(frame, av.VideoFrame):
            raise RuntimeError("no video frame")
        return str(target)
    finally:
        await pc.close()


async def plays_again(
    http: httpx.AsyncClient, camera: str, survivor: str, killed_at: float
) -> float:
    """Seconds from the kill until a live view of `camera` plays from `survivor` (its URL)."""
    deadline = killed_at + 60
    while time.monotonic() < deadline:
        try:
            if (await first_frame(http, camera)).startswith(survivor):
                return time.monotonic() - killed_at
        except Exception as exc:  # dead worker, 503, no frame yet: a console retries
            failure = exc
        await asyncio.sleep(0.25)
    raise RuntimeError(f"{camera} did not play again within 60 s: {failure!r}")


async def taken_over(
    http: httpx.AsyncClient, cameras: list[str], survivor: str, killed_at: float
) -> float:
    """Seconds from the kill until GET /api/cluster shows `survivor` owning every camera."""
    while True:
        with contextlib.suppress(httpx.HTTPError):
            now = await owners(http)
            if all(now.get(c) == survivor for c in cameras):
                return time.monotonic() - killed_at
        await asyncio.sleep(POLL_S)


async def steady(http: httpx.AsyncClient, workers: list[str], per_worker: int) -> None:
    """Wait until each worker holds `per_worker` cameras and the API node lists them online."""
    for _ in range(360):
        cameras = (await http.get("/api/cluster")).json()["cameras"]
        held = [sum(1 for c in cameras if c["owner"] == w) for w in workers]
        if held == [per_worker] * len(workers) and all(c["status"] == "online" for c in cameras):
            return
        await asyncio.sleep(0.5)
    raise RuntimeError(f"cameras never split evenly: {cameras}")


async def failover_round(
    api: Node, auth: dict[str, str], workers: dict[str, Node]
) -> dict[str, Any]:
    """Once the cameras are split, kill the first camera's worker; time the takeover of its
    cameras and the first frame of that camera from the other worker."""
    async with httpx.AsyncClient(base_url=api.url, headers=auth, timeout=10) as http:
        await steady(http, list(workers), 2)
        await asyncio.sleep(2.0)  # past every camera's first recorded segment start
        held = await owners(http)
        victim = workers[str(held["cam-001"])]
        survivor = next(w for w in workers.values() if w is not victim)
        cameras = sorted(c for c, o in held.items() if o == victim.name)
        load_before = load()
        victim.kill()
        killed_at = time.monotonic()
        owned = asyncio.create_task(taken_over(http, cameras, survivor.name, killed_at))
        played = await plays_again(http, cameras[0], survivor.url, killed_at)
        return {
            "killed": victim.name,
            "cameras": cameras,
            "owned_s": round(await asyncio.wait_for(owned, 60), 2),
            "plays_s": round(played, 2),
            "load": load_before,
        }


def login(api: Node) -> dict[str, str]:
    """The supervisor's bearer header."""
    return {"Authorization": f"Bearer {bearer(api.url, USERNAME, PASSWORD)}"}


def failover(folder: Path, database_url: str, opts: argparse.Namespace) -> None:
    """`--failovers` rounds of kill -9 on two workers and four cameras; each, then a summary."""
    rounds = []
    with running(folder, site_yaml(4, opts.fps, opts.recording), database_url) as (nodes, _):
        workers = {name: nodes.worker(name) for name in ("w1", "w2")}
        api = nodes.api("api1")
        auth = login(api)
        for i in range(opts.failovers):
            result = asyncio.run(failover_round(api, auth, workers))
            emit(figure="failover", round=i + 1, **result)
            rounds.append(result)
            workers[result["killed"]] = nodes.worker(result["killed"])  # back for the next
    for key in ("owned_s", "plays_s"):
        values = [r[key] for r in rounds]
        emit(
            figure=f"failover {key} summary",
            rounds=len(values),
            min=min(values),
            median=statistics.median(values),
            max=max(values),
        )


# --- the run ------------------------------------------------------------------------------------


def bench(opts: argparse.Namespace) -> None:
    """Every phase, each on its own NATS, one fresh database for the run."""
    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as tmp, postgres_database(opts.postgres, run) as url:
        folder = Path(tmp)
        prepare_database(url)
        emit(figure="machine", cores=os.cpu_count(), load=load())
        base = None
        for n in opts.workers:
            result = steady_run(folder / f"scale-{n}", url, n, opts.per_worker, opts)
            per_core = report_scaling(n, result, base, opts)
            base = base or per_core
        for n in sorted({1, max(opts.workers)}):
            report_idle(n, steady_run(folder / f"idle-{n}", url, n, 0, opts))
        if opts.failovers:
            failover(folder / "failover", url, opts)


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(prog="python -m bench.cluster_video", description=__doc__)
    parser.add_argument("--per-worker", type=int, default=2, help="cameras a worker")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--recording", choices=["continuous", "off"], default="continuous")
    parser.add_argument("--workers", default="1,2,3", help="worker counts to measure")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--failovers", type=int, default=3, help="kill -9 rounds (0: none)")
    default_db = os.environ.get(
        "CSU_TEST_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
    )
    parser.add_argument("--postgres", default=default_db, help="PostgreSQL server URL")
    opts = parser.parse_args()
    opts.workers = [int(n) for n in opts.workers.split(",")]
    bench(opts)


if __name__ == "__main__":
    main()
