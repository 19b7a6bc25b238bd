"""Alarm intake: alarms per second from receipt to stored, correlated and pushed on WS /api/events.

Run: `python -m bench.alarms [--seconds 10] [--http-rate 2000] [--mqtt-rate 10000]`; prints one
JSON line per scenario (`--scenarios http,http-max,mqtt,mqtt-max` by default).

Each scenario starts the real app (`csu.app.create_app`, uvicorn) in a child process on a fresh
database (SQLite in a temporary folder, or a fresh PostgreSQL database with `--postgres URL`) and a
site file whose one alarm source is an MQTT feed on a topic of its own at `--broker`; with
`--cameras demo` the site also has the demo's cameras (their scenes, masks, continuous recording
and the one camera's analytics), and measuring waits until every one of them is online. One
operator account is created before the start. Three more processes keep their CPU apart from the
server's:
- a console: one WebSocket on /api/events that timestamps every `alarms` frame;
- HTTP load: connections that keep alive and post csu-JSON alarms (a mix of types and sources
  at random places around Angers, unique external ids, 2% re-sends of alarms answered a second
  before), paced at `--http-rate` a second (open loop: latency counts from the planned send time,
  so a server that falls behind is not hidden) or, in the `-max` scenarios, as fast as answers
  come back. The client speaks HTTP/1.1 on asyncio streams, as cheap per request as a client gets
  in Python, so that it takes as little as possible of the two cores; its CPU is reported;
- MQTT load: one publisher, QoS 1 (`--mqtt-qos`), `--mqtt-count` alarms at `--mqtt-rate` a second
  or flat out (`mqtt-max`), at most 200 awaiting their PUBACK. By default (`--mqtt-client`) it is
  Debian's `mosquitto_pub -l` (mosquitto-clients, in C), fed one single-line JSON alarm a line on
  its stdin, every 2 ms what is due or, flat out, as its PUBACKs (read from its `-d` output) free
  the window; per alarm it takes a third (paced) to a seventh (flat out) of the CPU of the
  alternative, one aiomqtt publisher. Payloads are made before the clock starts and stamped
  (`occurred_at`) as they go. Closing its stdin makes it publish the rest and leave; its count of
  PUBACKs must equal the lines written. The client's CPU (mosquitto_pub's included, apart in
  `client_child_cores`) counts from the first measured message, as the server's does.

Latency from receipt to push: every payload is one alarm, the engine takes payloads in order, and
each `alarms` frame carries a `total` (+ `rejected`) that adds up to the payloads handled so far. So
the payload of rank r (its raw id over HTTP; its publish order over MQTT, which one publisher and
one subscriber keep) was pushed with the first frame whose running total reaches r. Every alarm is
timed this way; the alarms listed by external id in the frames (the newest 50 of a window) give a
cross-check (`sample_*`). The push includes the hub's coalescing window (web.hub.FLUSH_S, 25 ms):
the first event after a quiet window goes out at once, later ones wait up to 25 ms to be merged,
so `post_*` (HTTP answer: stored and correlated) is given apart. Where the time goes: `receipt_*`
runs from the planned send to the raw row's `received_at` (the server had it), `engine_*` to the
alarm row's `received_at` (the engine's batch began). Throughput is the alarms measured
over the time from the first measured send to the push of the last one, so a backlog counts against
it. Server CPU is user + system time over that same time, sampled every 50 ms, of the server
process (all threads) and its descendants (`server_cores`; with `--cameras demo`, the analytics'
one-off model export, when not cached yet) and of the main process alone (`server_main_cores`).
The incident engine, the MQTT feeds, the web server and the cameras share that one process.

The HTTP and WebSocket implementations are uvicorn's `auto` choice unless `--http`/`--loop` say
otherwise (httptools and uvloop when `uvicorn[standard]` is installed); WebSockets need the
`websockets` package, which uvicorn[standard] brings.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import importlib.util
import json
import multiprocessing
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

USERNAME, PASSWORD = "bench-operator", "quay-lamp-river-7"
ANGERS = (-0.5536, 47.4784)  # lon, lat
SPREAD_DEG = 0.03  # about 2-3 km around the centre
RESEND_EVERY = 50  # one payload in 50 re-sends an earlier alarm
# (source, type, weight): a hypervisor's mix, lighting and water the noisiest.
MIX: tuple[tuple[str, str, int], ...] = (
    ("hypervisor-lighting", "lighting.lamp_off", 30),
    ("hypervisor-lighting", "lighting.feeder_down", 4),
    ("scada-water", "water.pressure_drop", 10),
    ("scada-water", "water.flood_sensor", 6),
    ("traffic-control", "traffic_light.fault", 15),
    ("parking-ops", "parking.full", 15),
    ("parking-ops", "parking.barrier_fault", 8),
    ("bms-security", "building.intrusion", 8),
    ("bms-security", "building.fire_alarm", 4),
)
SCENARIOS = ("http", "http-max", "mqtt", "mqtt-max")
MQTT_CLIENTS = ("mosquitto_pub", "aiomqtt")
FEED_S = 0.002  # paced, mosquitto_pub is given what is due this often (fewer wake-ups)
OCCURRED_AT = "@occurred-at@"  # where a payload's timestamp goes, filled in when it is sent
OCCURRED_AT_B = OCCURRED_AT.encode()


def web_flush_s() -> float:
    """The console hub's coalescing window in this checkout."""
    import web.hub

    return web.hub.FLUSH_S


def emit(**fields: Any) -> None:
    """One JSON result line."""
    print(json.dumps({"bench": "alarms", **fields}), flush=True)


def note(text: str) -> None:
    """Progress, on stderr."""
    print(f"# {text}", file=sys.stderr, flush=True)


# --- payloads ---------------------------------------------------------------------------------


class Payloads:
    """csu-JSON alarms: a weighted mix of types, places around Angers, one external id each."""

    def __init__(self, run: str) -> None:
        self.run = run
        self._choices = [(s, t) for s, t, w in MIX for _ in range(w)]

    def alarm(self, n: int, *, resend: bool = False) -> bytes:
        """Alarm number n of this run; a re-send (same type and place) clears it."""
        head, tail = self.parts(n, resend=resend)
        return head + now_iso() + tail

    def parts(self, n: int, *, resend: bool = False) -> tuple[bytes, bytes]:
        """Alarm n as single-line JSON cut around its `occurred_at` value, stamped when sent."""
        rng = random.Random(n)
        source, kind = rng.choice(self._choices)
        lon = ANGERS[0] + rng.uniform(-SPREAD_DEG, SPREAD_DEG)
        lat = ANGERS[1] + rng.uniform(-SPREAD_DEG, SPREAD_DEG)
        body: dict[str, Any] = {
            "source": source,
            "external_id": f"{self.run}-{n}",
            "type": kind,
            "occurred_at": OCCURRED_AT,
            "location": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "description": f"bench alarm {n}",
            "data": {"seq": n, "equipment": f"EQ-{n % 997:04d}"},
        }
        if resend:
            body["status"] = "cleared"
        head, _, tail = json.dumps(body, separators=(",", ":")).encode().partition(OCCURRED_AT_B)
        return head, tail


def now_iso() -> bytes:
    """The current time as `occurred_at` carries it."""
    return datetime.now(UTC).isoformat().encode()


# --- the server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (state, ppid, ...)."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rpartition(")")[2].split()


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """CPU seconds of a process so far, every thread, user + system (Linux /proc).

    With `reaped`, add those of its children that ended and were waited for: a child's time
    moves there when it is reaped, so a tree's total does not drop when one of them ends.
    """
    fields = _stat(pid)
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def process_tree(root: int) -> list[int]:
    """The process and all its descendants now (every /proc/<pid>/stat's ppid)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                children.setdefault(int(_stat(int(entry))[1]), []).append(int(entry))
    tree, queue = [], [root]
    while queue:
        pid = queue.pop()
        tree.append(pid)
        queue.extend(children.get(pid, ()))
    return tree


def tree_cpu_seconds(pids: Sequence[int]) -> float:
    """CPU seconds of these processes and of their reaped children (gone ones are skipped)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += cpu_seconds(pid, reaped=True)
    return total


@dataclass
class Server:
    """The app under uvicorn in a child process, on a database of its own."""

    folder: Path
    url: str
    port: int
    proc: subprocess.Popen[bytes]
    token: str = ""

    def cpu(self) -> float:
        """CPU seconds of the server's main process so far (every thread, user + system)."""
        return cpu_seconds(self.proc.pid)


def site_yaml(
    run: str, broker: str, ack: str = "received", cameras: str = "none"
) -> tuple[str, str]:
    """A site with one MQTT alarm source on a topic of this run (and the demo's cameras, with
    `cameras="demo"`); returns (yaml, topic)."""
    topic = f"csu-bench/{run}/alarms"
    text = (
        "site: {name: Bench Angers, timezone: Europe/Paris}\n"
        "alarm_sources:\n"
        f"  - {{id: bench-{run}, kind: mqtt, url: '{broker}', topic: '{topic}', ack: {ack}}}\n"
    )
    if cameras == "demo":
        import yaml

        import csu.demo

        demo = yaml.safe_load((Path(csu.demo.__file__).parent / "site.yaml").read_text())
        text += yaml.safe_dump({"cameras": demo["cameras"]}, sort_keys=False)
    return text, topic


def models_cache() -> Path:
    """Where the demo analytics' models are kept between runs, exported and quantised here
    first: the server would otherwise spend a core doing it while it is measured."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "csu-bench" / "models"
    folder.mkdir(parents=True, exist_ok=True)
    from csu.demo import demo_site
    from video.analytics.weights import model_source, onnx_file, prepare_ultralytics

    site = demo_site()
    prepare_ultralytics(folder / "ultralytics")
    models = {m.id: m for m in site.models}
    for camera in site.cameras:
        analytics = camera.analytics
        if not analytics.enabled:
            continue
        needed = {label for rule in analytics.rules for label in rule.needs()}
        for model_id in analytics.models:  # as video.analytics.pipeline.build_analyser picks
            weights, labels = model_source(model_id, models)
            if needed & set(labels):
                onnx_file(weights, analytics.input_size, folder, analytics.precision)
    return folder


def wait_cameras_online(server: Server, timeout_s: float = 300.0) -> None:
    """Wait until every camera of the site says it is online."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/api/cameras",
        headers={"Authorization": f"Bearer {server.token}"},
    )
    deadline = time.monotonic() + timeout_s
    while True:
        with urllib.request.urlopen(request, timeout=10) as response:
            cameras = json.loads(response.read())
        if all(c["status"] == "online" for c in cameras):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"cameras not online: {[(c['id'], c['status']) for c in cameras]}")
        time.sleep(0.5)


def prepare_database(
    url: str, username: str = USERNAME, password: str = PASSWORD, role: str = "operator"
) -> None:
    """Migrate and create the account the bench signs in as (every camera), before csu starts."""
    from csu.db import Database
    from csu.identity import service as identity
    from csu.identity.roles import Role
    from csu.migrate import upgrade

    db = Database(url)
    try:
        upgrade(db.engine)
        with db.session() as session:
            identity.create_user(
                session, username=username, role=Role(role), password=password, cameras=["*"]
            )
    finally:
        db.dispose()


@contextlib.contextmanager
def postgres_database(server_url: str, run: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server of `server_url`, dropped afterwards."""
    import sqlalchemy as sa

    name = f"csu_bench_{run}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _http_json(url: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def start_server(folder: Path, url: str, opts: Options) -> Server:
    """Start the app and wait until it answers; log in the operator."""
    port = _free_port()
    command = [sys.executable, "-m", "bench.alarms", "--serve", str(folder), "--port", str(port)]
    command += ["--database-url", url, "--http", opts.http, "--loop", opts.loop]
    if opts.flush_s is not None:
        command += ["--flush-s", str(opts.flush_s)]
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    server = Server(folder, url, port, proc)
    deadline = time.monotonic() + 120
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {(folder / 'server.log').read_text()[-2000:]}")
        try:
            _http_json(f"http://127.0.0.1:{port}/healthz")
            break
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start") from None
            time.sleep(0.2)
    login = {"username": USERNAME, "password": PASSWORD}
    server.token = _http_json(f"http://127.0.0.1:{port}/api/auth/login", login)["access_token"]
    return server


def stop_server(server: Server) -> None:
    """Ask uvicorn to shut down (the engine drains), then make sure it is gone."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGINT)
        try:
            server.proc.wait(30)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


def serve(folder: Path, port: int, url: str, http: str, loop: str, flush_s: float | None) -> None:
    """The child process: the whole app under uvicorn."""
    import uvicorn

    from csu.app import create_app
    from csu.config import parse_site
    from csu.settings import Settings

    if flush_s is not None:
        import web.hub

        web.hub.FLUSH_S = flush_s
    settings = Settings(data_dir=folder / "var", database_url=url, log_level="WARNING")
    site = parse_site((folder / "site.yaml").read_text())
    app = create_app(settings, site)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        http=http,
        loop=loop,
        log_level="warning",
        access_log=False,
    )


class CpuSampler:
    """Samples the server's CPU time every 50 ms, to read it at any moment afterwards.

    Each sample holds the whole tree (the server and its descendants, such as a model export)
    and the main process alone. The tree is walked again every second only,
    since walking /proc costs a few ms; a known process is read at every sample.
    """

    RESCAN_S = 1.0

    def __init__(self, server: Server) -> None:
        self._server = server
        self.samples: list[tuple[float, float, float]] = []  # (when, tree, main)
        self.tree: list[int] = []
        self.processes: set[int] = set()  # every pid seen in the tree
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        scanned = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now - scanned >= self.RESCAN_S:
                self.tree, scanned = process_tree(self._server.proc.pid), now
                self.processes.update(self.tree)
            with contextlib.suppress(OSError):
                main = self._server.cpu()
                self.samples.append((now, tree_cpu_seconds(self.tree), main))
            self._stop.wait(0.05)

    def stop(self) -> None:
        """Stop sampling (after one last sample)."""
        self._stop.set()
        self._thread.join()

    def at(self, moment: float) -> tuple[float, float]:
        """CPU seconds (tree, main process) at `moment`, interpolated between samples."""
        times = [t for t, _, _ in self.samples]
        i = bisect.bisect_left(times, moment)
        if i <= 0:
            return self.samples[0][1:]
        if i >= len(self.samples):
            return self.samples[-1][1:]
        (t0, a0, b0), (t1, a1, b1) = self.samples[i - 1], self.samples[i]
        share = (moment - t0) / (t1 - t0)
        return a0 + (a1 - a0) * share, b0 + (b1 - b0) * share


# --- the console (WebSocket) -----------------------------------------------------------------


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


def console(port: int, token: str, conn: Connection) -> None:
    """Child process: follow /api/events until the parent says stop; send back the frames."""
    frames = asyncio.run(_console(port, token, conn))
    conn.send(frames)


async def _console(port: int, token: str, conn: Connection) -> Frames:
    import websockets

    frames = Frames()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_reader(conn.fileno(), stop.set)
    running = 0
    url = f"ws://127.0.0.1:{port}/api/events"
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
            at = time.monotonic()
            message = json.loads(receiving.result())
            if message["type"] == "incident":
                frames.incident_frames += 1
            if message["type"] != "alarms":
                continue
            running += int(message["total"]) + int(message["rejected"])
            frames.times.append(at)
            frames.counts.append(running)
            for alarm in message["alarms"]:
                if alarm["created"]:  # a re-send shares its original's external id
                    frames.listed.setdefault(alarm["external_id"], at)
        frames.cpu_s = time.process_time() - cpu0
    return frames


# --- HTTP load --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpPlan:
    """What one HTTP load process sends."""

    port: int
    token: str
    run: str
    rate: float  # per second for this process; 0 = as fast as answers come
    warmup_s: float
    seconds: float
    connections: int
    index: int  # this process's share of external ids: index, index + procs, ...
    procs: int


@dataclass
class HttpResult:
    """One process's requests: (n, resend, warm, planned, sent, done, status, raw_id) each."""

    requests: list[tuple[int, bool, bool, float, float, float, int, int]]
    cpu_s: float
    start: float


def http_load(plan: HttpPlan, conn: Connection) -> None:
    """Child process: post alarms for warm-up + seconds; send back every request's timing."""
    conn.send(asyncio.run(_http_load(plan)))


async def _http_load(plan: HttpPlan) -> HttpResult:
    payloads = Payloads(plan.run)
    result = HttpResult([], 0.0, 0.0)
    answered: deque[tuple[float, int]] = deque()  # (done, n) of new alarms, to re-send later
    counter = iter(range(10**9))
    t0 = time.monotonic() + 0.2
    t_measure, t_end = t0 + plan.warmup_s, t0 + plan.warmup_s + plan.seconds
    head = (
        "POST /api/alarms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {plan.token}\r\nContent-Length: "
    ).encode()

    def next_payload(now: float) -> tuple[int, bool, bytes]:
        k = next(counter)
        if k % RESEND_EVERY == RESEND_EVERY - 1:
            while len(answered) > 1 and answered[1][0] < now - 1.0:
                answered.popleft()  # keep the newest alarm answered over a second ago
            if answered and answered[0][0] < now - 1.0:
                n = answered.popleft()[1]
                return n, True, payloads.alarm(n, resend=True)
        n = plan.index + k * plan.procs
        return n, False, payloads.alarm(n)

    async def connection(offset: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", plan.port)
        planned = t0 + offset / max(plan.rate, 1.0)
        try:
            while True:
                now = time.monotonic()
                if plan.rate:
                    planned += plan.connections / plan.rate
                    if planned >= t_end:
                        return
                    if planned > now:
                        await asyncio.sleep(planned - now)
                else:
                    planned = now
                    if now >= t_end:
                        return
                n, resend, body = next_payload(now)
                sent = time.monotonic()
                writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                answer = await reader.readexactly(length)
                done = time.monotonic()
                status = int(status_line.split()[1])
                raw_id = int(json.loads(answer).get("raw_id", 0)) if status < 500 else 0
                if not resend and status < 300:
                    answered.append((done, n))
                warm = planned < t_measure
                result.requests.append((n, resend, warm, planned, sent, done, status, raw_id))
        finally:
            writer.close()

    # The client's CPU counts from the first measured request, as the server's does.
    cpu0 = [time.process_time()]
    asyncio.get_running_loop().call_at(t_measure, lambda: cpu0.append(time.process_time()))
    result.start = t_measure
    await asyncio.gather(*(connection(i) for i in range(plan.connections)))
    result.cpu_s = time.process_time() - cpu0[-1]
    return result


# --- MQTT load --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MqttPlan:
    """What the MQTT publisher sends."""

    broker: str
    topic: str
    run: str
    rate: float  # 0 = flat out
    count: int
    warmup: int  # the first this many are not measured
    qos: int
    window: int  # publishes awaiting their PUBACK at once (QoS 0: not yet written out)
    client: str  # one of MQTT_CLIENTS


@dataclass
class MqttResult:
    """(n, resend, planned, published) of each message in publish order; CPU once measuring."""

    messages: list[tuple[int, bool, float, float]]
    cpu_s: float  # the load client's, from the first measured message until all were published
    child_cpu_s: float = 0.0  # of which mosquitto_pub's


def mqtt_schedule(plan: MqttPlan) -> list[tuple[int, bool, bytes, bytes]]:
    """The messages in publish order, (n, resend, head, tail): made before the clock starts."""
    payloads = Payloads(plan.run)
    resend_lag = max(2000, int(plan.rate or 10_000))  # about a second behind
    schedule: list[tuple[int, bool, bytes, bytes]] = []
    for k in range(plan.count):
        resend = k % RESEND_EVERY == RESEND_EVERY - 1 and k > resend_lag
        n = k - resend_lag if resend else k
        schedule.append((n, resend, *payloads.parts(n, resend=resend)))
    return schedule


def mqtt_load(plan: MqttPlan, conn: Connection) -> None:
    """Child process: publish the alarms; send back when each went."""
    if plan.client == "mosquitto_pub":
        conn.send(_mosquitto_load(plan))
    else:
        conn.send(asyncio.run(_aiomqtt_load(plan)))


class PubLog:
    """Counts the messages mosquitto_pub is done with, from its debug output (`-d`).

    Done is PUBACK received at QoS 1, PUBLISH written out at QoS 0. Its stdout is a pipe, so the
    lines come in blocks of 4 KiB (about 25 messages): a window of a few hundred never stalls.
    A thread reads them, so that a full pipe never blocks mosquitto_pub while we write its stdin.
    """

    def __init__(self, stdout: int, qos: int) -> None:
        self._fd = stdout
        self._marker = b"received PUBACK" if qos else b"sending PUBLISH"
        self.done = 0
        self.closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        partial = b""
        while data := os.read(self._fd, 1 << 16):
            lines, _, partial = (partial + data).rpartition(b"\n")
            with self._changed:
                self.done += lines.count(self._marker)
                self._changed.notify_all()
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait_below(self, written: int, window: int) -> None:
        """Block until fewer than `window` of the written messages are outstanding."""
        with self._changed:
            self._changed.wait_for(lambda: written - self.done < window or self.closed)

    def join(self) -> int:
        """Wait for the end of the output; the count of messages done."""
        self._thread.join()
        return self.done


def _mosquitto_load(plan: MqttPlan) -> MqttResult:
    """Feed one line per alarm to Debian's C publisher, paced or as fast as its window allows."""
    url = urlsplit(plan.broker)
    schedule = mqtt_schedule(plan)
    command = ["mosquitto_pub", "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 1883)]
    command += ["-i", f"bench-pub-{plan.run}", "-q", str(plan.qos), "-M", str(plan.window)]
    command += ["-t", plan.topic, "-l", "-d"]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    log = PubLog(proc.stdout.fileno(), plan.qos)
    result = MqttResult([], 0.0)
    cpu0: tuple[float, float] | None = None
    # mosquitto_pub reads stdin once connected (it looks every 100 ms); lines wait in the pipe.
    t0 = time.monotonic() + 0.2
    k = 0
    try:
        while k < plan.count:
            if plan.rate:
                time.sleep(max(FEED_S, t0 + k / plan.rate - time.monotonic()))
                due = min(plan.count, int((time.monotonic() - t0) * plan.rate) + 1)
            else:
                log.wait_below(k, plan.window)
                due = min(plan.count, log.done + plan.window)
            if log.closed:
                break  # it exited early: said below
            if due <= k:
                continue
            if cpu0 is None and due > plan.warmup:
                cpu0 = (time.process_time(), cpu_seconds(proc.pid))
            stamp = now_iso()
            chunk = b"".join(head + stamp + tail + b"\n" for _, _, head, tail in schedule[k:due])
            flat = time.monotonic()
            proc.stdin.write(chunk)
            proc.stdin.flush()
            written = time.monotonic()
            for j in range(k, due):
                planned = t0 + j / plan.rate if plan.rate else flat
                result.messages.append((schedule[j][0], schedule[j][1], planned, written))
            k = due
    except BrokenPipeError:
        pass  # it exited early: said below
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()  # at the end of its stdin it publishes the rest, then disconnects
    done = log.join()
    # Read its CPU once it has exited but before it is reaped, while /proc still has it.
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
    child_cpu = cpu_seconds(proc.pid)
    # mosquitto_pub 2.0 stops early with status 0 when more than 65535 messages are still queued
    # at the end of its input (their ids wrap): flat out the window keeps that out; paced, the
    # count would say.
    if proc.wait() != 0 or done != len(result.messages):
        raise RuntimeError(
            f"mosquitto_pub exited {proc.returncode} having published {done} of "
            f"{len(result.messages)} lines"
        )
    start_self, start_child = cpu0 or (time.process_time(), child_cpu)
    result.child_cpu_s = child_cpu - start_child
    result.cpu_s = time.process_time() - start_self + result.child_cpu_s
    return result


async def _aiomqtt_load(plan: MqttPlan) -> MqttResult:
    import aiomqtt

    url = urlsplit(plan.broker)
    schedule = mqtt_schedule(plan)
    result = MqttResult([], 0.0)
    async with aiomqtt.Client(
        url.hostname or "127.0.0.1",
        url.port or 1883,
        identifier=f"bench-pub-{plan.run}",
        max_inflight_messages=plan.window,
    ) as client:
        client.pending_calls_threshold = plan.window + 1  # the window is deliberate
        window = asyncio.Semaphore(plan.window)
        pending: set[asyncio.Task[None]] = set()

        async def publish(body: bytes) -> None:
            try:
                await client.publish(plan.topic, body, qos=plan.qos)
            finally:
                window.release()

        cpu0 = time.process_time()
        t0 = time.monotonic() + 0.1
        for k, (n, resend, head, tail) in enumerate(schedule):
            if k == plan.warmup:
                cpu0 = time.process_time()
            if plan.rate:
                planned = t0 + k / plan.rate
                delay = planned - time.monotonic()
                if delay > 0.001:
                    await asyncio.sleep(delay)
                await window.acquire()
            else:
                await window.acquire()
                planned = time.monotonic()
            result.messages.append((n, resend, planned, time.monotonic()))
            task = asyncio.create_task(publish(head + now_iso() + tail))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
        result.cpu_s = time.process_time() - cpu0
    return result


def forget_mqtt_session(broker: str, run: str) -> None:
    """Remove the persistent session the app's feed left on the broker."""
    import aiomqtt

    async def clean() -> None:
        url = urlsplit(broker)
        client_id = f"csu-bench-{run}"
        with contextlib.suppress(aiomqtt.MqttError):
            async with aiomqtt.Client(
                url.hostname or "127.0.0.1", url.port or 1883, identifier=client_id
            ):
                pass

    asyncio.run(clean())


# --- measurement ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """Command-line choices that every scenario shares."""

    seconds: float
    warmup_s: float
    http_rate: float
    connections: int
    http_procs: int
    mqtt_rate: float
    mqtt_count: int
    mqtt_qos: int
    mqtt_ack: str
    mqtt_client: str
    broker: str
    postgres: str | None
    http: str
    loop: str
    flush_s: float | None
    py_spy: Path | None
    cameras: str = "none"


def pct(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) in ms, nearest rank; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 1)


def db_counts(url: str) -> dict[str, int]:
    """Alarms, raw payloads (and those still unparsed) and incidents in the app's database.

    Only the load's own: with `--cameras demo`, csu raises alarms of its own meanwhile (the
    analytics camera's, a video loss when a camera starves), stored on the internal channel.
    """
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:

            def one(query: str) -> int:
                return int(conn.execute(sa.text(query)).scalar_one())

            # Payloads first, alarms after: a payload is marked parsed in the transaction that
            # stores its alarms, so alarms counted later include every parsed payload's, while
            # counted first they could miss a batch committed in between (seen on PostgreSQL).
            raw = "SELECT count(*) FROM raw_alarms WHERE channel <> 'internal'"
            counts = {
                "raw": one(raw),
                "unparsed": one(f"{raw} AND status = 'received'"),
                "rejected": one(f"{raw} AND status = 'rejected'"),
            }
            sources = ", ".join(sorted({f"'{source}'" for source, _, _ in MIX}))
            counts["alarms"] = one(f"SELECT count(*) FROM alarms WHERE source IN ({sources})")
            counts["incidents"] = one("SELECT count(*) FROM incidents")
            return counts
    finally:
        engine.dispose()


def stage_latency(url: str, ranks: Sequence[int], planned: Sequence[float]) -> dict[str, Any]:
    """p50/p99 from the planned send to receipt (raw row) and to the engine's batch (alarm row).

    Rank r is raw id r (see the module's docstring). The rows hold wall-clock times and the load
    client monotonic ones: one offset, read here, turns the second into the first.
    """
    import sqlalchemy as sa

    offset = time.time() - time.monotonic()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            received = dict(conn.execute(sa.text("SELECT id, received_at FROM raw_alarms")).all())
            query = "SELECT raw_id, min(received_at) FROM alarms GROUP BY raw_id"
            handled = dict(conn.execute(sa.text(query)).all())
    finally:
        engine.dispose()

    def delays(times: dict[int, Any]) -> list[float]:
        out = []
        for rank, at in zip(ranks, planned, strict=True):
            if (stamp := times.get(rank)) is not None:
                out.append(_epoch(stamp) - offset - at)
        return out

    receipt, engine_at = delays(received), delays(handled)
    return {
        "receipt_p50_ms": pct(receipt, 50),
        "receipt_p99_ms": pct(receipt, 99),
        "engine_p50_ms": pct(engine_at, 50),
        "engine_p99_ms": pct(engine_at, 99),
    }


def _epoch(stamp: Any) -> float:
    at = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp))
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def wait_stored(url: str, payloads: int, stall_s: float = 10.0) -> dict[str, int]:
    """Poll until every payload is stored and parsed, or nothing has moved for `stall_s`."""
    last, moved = None, time.monotonic()
    while True:
        counts = db_counts(url)
        if counts["raw"] >= payloads and counts["unparsed"] == 0:
            return counts
        if counts != last:
            last, moved = counts, time.monotonic()
        elif time.monotonic() - moved > stall_s:
            return counts
        time.sleep(0.1)


def _spawn(target: Any, *args: Any) -> tuple[multiprocessing.process.BaseProcess, Connection]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=target, args=(*args, child), daemon=True)
    proc.start()
    return proc, parent


@dataclass
class Timed:
    """What the scenarios hand to `report`: each measured payload with its timings."""

    ranks: list[int]  # position in the engine's order (1 = first)
    planned: list[float]
    sent_last: float
    new_ids: list[str]  # external ids of measured new alarms, for the listed-id sample
    new_planned: list[float]
    post_latency: list[float] = field(default_factory=list)
    client_cpu_s: float = 0.0  # from the first measured send until the client was done
    client_child_cpu_s: float = 0.0  # of which a child process's (mosquitto_pub)


def run_scenario(name: str, opts: Options) -> None:
    """Start a server, drive one kind of load at it, measure, verify the database, report."""
    run = uuid.uuid4().hex[:10]
    with tempfile.TemporaryDirectory(prefix="csu-bench-alarms-") as tmp:
        folder = Path(tmp)
        with contextlib.ExitStack() as stack:
            if opts.postgres:
                url = stack.enter_context(postgres_database(opts.postgres, run))
            else:
                url = f"sqlite:///{folder / 'csu.db'}"
            text, topic = site_yaml(run, opts.broker, opts.mqtt_ack, opts.cameras)
            (folder / "site.yaml").write_text(text)
            if opts.cameras == "demo":
                (folder / "var").mkdir()
                (folder / "var" / "models").symlink_to(models_cache())
            prepare_database(url)
            server = start_server(folder, url, opts)
            if opts.cameras == "demo":
                wait_cameras_online(server)
            stack.callback(forget_mqtt_session, opts.broker, run)
            stack.callback(stop_server, server)
            try:
                _measure(name, opts, server, run, topic)
            except Exception:
                note("server log:\n" + (folder / "server.log").read_text()[-3000:])
                raise


def _measure(name: str, opts: Options, server: Server, run: str, topic: str) -> None:
    sampler = CpuSampler(server)
    ws_proc, ws_conn = _spawn(console, server.port, server.token)
    if ws_conn.recv() != "ready":
        raise RuntimeError("console did not connect")
    flat = name.endswith("-max")
    spy = None
    if opts.py_spy:
        out = f"{opts.py_spy}-{name}.txt"
        command = ["py-spy", "record", "--pid", str(server.proc.pid), "--format", "raw"]
        command += ["--gil", "--subprocesses", "--rate", "250", "--nonblocking", "-o", out]
        spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if name.startswith("http"):
        timed, sent, unique = _drive_http(opts, server, run, flat)
    else:
        timed, sent, unique = _drive_mqtt(opts, run, topic, flat)
    counts = wait_stored(server.url, sent)
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)
    time.sleep(0.3 + (opts.flush_s if opts.flush_s is not None else web_flush_s()))  # last frame
    ws_conn.send("stop")
    frames: Frames = ws_conn.recv()
    ws_proc.join(5)
    sampler.stop()
    stages = stage_latency(server.url, timed.ranks, timed.planned)
    report(name, opts, server, timed, frames, sampler, counts, sent, unique, stages)


def _drive_http(opts: Options, server: Server, run: str, flat: bool) -> tuple[Timed, int, int]:
    procs = []
    for index in range(opts.http_procs):
        plan = HttpPlan(
            server.port,
            server.token,
            run,
            0.0 if flat else opts.http_rate / opts.http_procs,
            opts.warmup_s,
            opts.seconds,
            max(1, opts.connections // opts.http_procs),
            index,
            opts.http_procs,
        )
        procs.append(_spawn(http_load, plan))
    results: list[HttpResult] = [conn.recv() for _, conn in procs]
    for proc, _ in procs:
        proc.join(5)
    requests = [r for result in results for r in result.requests]
    bad = [r for r in requests if r[6] >= 300 or r[7] <= 0]
    if bad:
        note(f"{len(bad)} requests failed, first status {bad[0][6]}")
    measured = [r for r in requests if not r[2] and r[7] > 0]
    if not measured:
        raise RuntimeError("no alarm was accepted over HTTP")
    timed = Timed(
        ranks=[r[7] for r in measured],
        planned=[r[3] for r in measured],
        sent_last=max(r[4] for r in measured),
        new_ids=[f"{run}-{r[0]}" for r in measured if not r[1]],
        new_planned=[r[3] for r in measured if not r[1]],
        post_latency=[r[5] - r[3] for r in measured],
        client_cpu_s=sum(result.cpu_s for result in results),
    )
    unique = len({r[0] for r in requests if r[6] < 300})
    return timed, len(requests), unique


def _drive_mqtt(opts: Options, run: str, topic: str, flat: bool) -> tuple[Timed, int, int]:
    rate = 0.0 if flat else opts.mqtt_rate
    warmup = int(opts.warmup_s * (rate or opts.mqtt_rate))
    plan = MqttPlan(
        opts.broker,
        topic,
        run,
        rate,
        opts.mqtt_count + warmup,
        warmup,
        opts.mqtt_qos,
        200,
        opts.mqtt_client,
    )
    proc, conn = _spawn(mqtt_load, plan)
    result: MqttResult = conn.recv()
    proc.join(5)
    measured = [(rank, m) for rank, m in enumerate(result.messages, start=1) if rank > warmup]
    timed = Timed(
        ranks=[rank for rank, _ in measured],
        planned=[m[2] for _, m in measured],
        sent_last=max(m[3] for _, m in measured),
        new_ids=[f"{run}-{m[0]}" for _, m in measured if not m[1]],
        new_planned=[m[2] for _, m in measured if not m[1]],
        client_cpu_s=result.cpu_s,
        client_child_cpu_s=result.child_cpu_s,
    )
    unique = len({m[0] for m in result.messages})
    return timed, len(result.messages), unique


def report(
    name: str,
    opts: Options,
    server: Server,
    timed: Timed,
    frames: Frames,
    sampler: CpuSampler,
    counts: dict[str, int],
    sent: int,
    unique: int,
    stages: dict[str, Any],
) -> None:
    """One JSON line for the scenario."""
    if not frames.times:
        raise RuntimeError("the console had no `alarms` frame: the server handled nothing")
    # Ranks hold only when every payload reached the engine (a broker may drop some).
    complete = counts["raw"] == sent
    pushed = [frames.pushed_at(rank) if complete else None for rank in timed.ranks]
    latency = [p - t for p, t in zip(pushed, timed.planned, strict=True) if p is not None]
    start = min(timed.planned)
    last_push = max((p for p in pushed if p is not None), default=frames.times[-1])
    wall = last_push - start
    (tree1, main1), (tree0, main0) = sampler.at(last_push), sampler.at(start)
    cpu, main_cpu = tree1 - tree0, main1 - main0
    sample = [
        frames.listed[i] - t
        for i, t in zip(timed.new_ids, timed.new_planned, strict=True)
        if i in frames.listed
    ]
    measured = len(timed.ranks)
    # Payloads handled in the window: all measured ones, or (when some were lost) those the
    # console's running total counted in it; the server may still be on the warm-up at `start`.
    handled = measured if complete else frames.handled_by(last_push) - frames.handled_by(start)
    achieved = handled / wall if wall > 0 else 0.0
    http = name.startswith("http")
    target_rate = 2000 if http else 10_000
    p99 = pct(latency, 99)

    def cores(seconds: float) -> float | None:
        return round(seconds / wall, 2) if wall > 0 else None

    emit(
        scenario=name,
        transport="http" if http else f"mqtt qos{opts.mqtt_qos} ack {opts.mqtt_ack}",
        load_client="asyncio streams" if http else opts.mqtt_client,
        database="postgresql" if opts.postgres else "sqlite",
        cameras=opts.cameras,
        uvicorn=f"http={opts.http} loop={opts.loop}",
        flush_s=opts.flush_s if opts.flush_s is not None else web_flush_s(),
        offered_per_s=round(measured / (timed.sent_last - start), 1),
        measured=measured,
        handled=handled,
        achieved_per_s=round(achieved, 1),
        sent=sent,
        lost=sent - counts["raw"],
        unique_alarms=unique,
        stored_alarms=counts["alarms"],
        stored_raw=counts["raw"],
        unparsed=counts["unparsed"],
        rejected=counts["rejected"],
        stored_equals_sent=counts["alarms"] == unique and counts["raw"] == sent,
        incidents=counts["incidents"],
        pushed=len(latency),
        push_p50_ms=pct(latency, 50),
        push_p99_ms=p99,
        **stages,
        post_p50_ms=pct(timed.post_latency, 50),
        post_p99_ms=pct(timed.post_latency, 99),
        sample_n=len(sample),
        sample_p50_ms=pct(sample, 50),
        sample_p99_ms=pct(sample, 99),
        backlog_s=round(last_push - timed.sent_last, 2),
        server_cores=cores(cpu),
        server_main_cores=cores(main_cpu),
        server_processes=len(sampler.processes),
        alarms_per_core_s=round(handled / cpu, 1) if cpu > 0 else None,
        client_cores=cores(timed.client_cpu_s),
        client_child_cores=cores(timed.client_child_cpu_s),
        client_us_per_alarm=round(1e6 * timed.client_cpu_s / measured, 1),
        console_cpu_s=round(frames.cpu_s, 2),
        ws_frames=len(frames.times),
        meets_rate=achieved >= target_rate * 0.98,
        meets_p99=p99 is not None and p99 < 100,
    )


def main() -> None:
    """Run the scenarios (or, with --serve, be the server of one)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--repeat", type=int, default=1, help="Runs of each scenario.")
    parser.add_argument("--seconds", type=float, default=10.0, help="HTTP load, measured.")
    parser.add_argument("--warmup", type=float, default=2.0, help="Seconds not measured.")
    parser.add_argument("--http-rate", type=float, default=2000.0)
    parser.add_argument("--connections", type=int, default=128)
    parser.add_argument("--http-procs", type=int, default=1, help="HTTP load processes.")
    parser.add_argument("--mqtt-rate", type=float, default=10_000.0)
    parser.add_argument("--mqtt-count", type=int, default=50_000, help="Measured alarms.")
    parser.add_argument("--mqtt-qos", type=int, choices=(0, 1), default=1)
    parser.add_argument(
        "--mqtt-client",
        choices=MQTT_CLIENTS,
        default=MQTT_CLIENTS[0],
        help="MQTT load: Debian's C mosquitto_pub fed line by line, or aiomqtt in Python.",
    )
    parser.add_argument(
        "--mqtt-ack",
        choices=("received", "stored"),
        default="received",
        help="When csu acknowledges (the alarm source's `ack`).",
    )
    parser.add_argument("--broker", default=os.environ.get("CSU_BENCH_BROKER", "mqtt://127.0.0.1"))
    parser.add_argument("--postgres", metavar="URL", help="Use a fresh database on this server.")
    parser.add_argument("--http", default="auto", choices=("auto", "h11", "httptools"))
    parser.add_argument("--loop", default="auto", choices=("auto", "asyncio", "uvloop"))
    parser.add_argument("--flush-s", type=float, help="What-if: the hub's coalescing window.")
    parser.add_argument("--py-spy", type=Path, help="py-spy the server, children too.")
    parser.add_argument(
        "--cameras",
        choices=("none", "demo"),
        default="none",
        help="demo: the server also runs the demo site's cameras.",
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.database_url, args.http, args.loop, args.flush_s)
        return
    if importlib.util.find_spec("websockets") is None:
        parser.error("WS /api/events needs the websockets package (uvicorn[standard] brings it)")
    mqtt = any(name.startswith("mqtt") for name in args.scenarios.split(","))
    if mqtt and args.mqtt_client == "mosquitto_pub" and shutil.which("mosquitto_pub") is None:
        parser.error("no mosquitto_pub: install mosquitto-clients, or use --mqtt-client aiomqtt")
    opts = Options(
        seconds=args.seconds,
        warmup_s=args.warmup,
        http_rate=args.http_rate,
        connections=args.connections,
        http_procs=args.http_procs,
        mqtt_rate=args.mqtt_rate,
        mqtt_count=args.mqtt_count,
        mqtt_qos=args.mqtt_qos,
        mqtt_ack=args.mqtt_ack,
        mqtt_client=args.mqtt_client,
        broker=args.broker,
        postgres=args.postgres,
        http=args.http,
        loop=args.loop,
        flush_s=args.flush_s,
        py_spy=args.py_spy,
        cameras=args.cameras,
    )
    for _ in range(args.repeat):
        for name in args.scenarios.split(","):
            if name not in SCENARIOS:
                parser.error(f"unknown scenario {name!r} (choose from {', '.join(SCENARIOS)})")
            note(f"alarms: {name}")
            run_scenario(name, opts)


if __name__ == "__main__":
    main()
