"""Cluster alarms: alarms a second end to end through JetStream to the incident engine, receipt to
console latency, and the time the standby takes to run the engine when the leader is killed.

Run: `python -m bench.cluster_alarms [--rate 10000] [--seconds 10] [--http-rate 0] [--nodes 2]
[--failovers 2] [--failover-rate 1000] [--postgres URL]`; prints one JSON line per figure.

Every node is a real `csu serve` API node (bench._cluster) on a private `nats-server -js`, a
private Mosquitto and a fresh database on the PostgreSQL server `--postgres`. The site has one
MQTT alarm source in a share group (MQTT 5): each node subscribes, the broker splits the feed.
The broker queues without bound for a member that is away (`max_queued_messages 0`): Mosquitto's
default, 1,000, drops the rest of a killed node's share, acknowledged to the publisher already.

Throughput: mosquitto_pub publishes `--rate` csu-JSON alarms a second (bench.alarms' mix, 2 %
re-sends) at QoS 1 for `--warmup` + `--seconds`; with `--http-rate`, bench.alarms' HTTP client
also posts to every node (one process a node, that rate in all). A payload goes: a node's feed or
route -> JetStream -> the leader's consumer -> its engine (PostgreSQL) -> AlarmsStored, live over
NATS -> the WebSocket /api/events of a console on another node than the leader. Receipt is the raw
row's received_at (when a node took it). The engine gives raw ids in stream order and every
`alarms` frame adds to a running total (bench.alarms), so the payload of rank r reached the console
with the first frame whose total reaches r. Measured: what was received after the warm-up;
`achieved_per_s` is that over the time from its first receipt to its last push. CPU, user +
system from /proc over that time: each API node, nats-server, Mosquitto, PostgreSQL (every
postgres process), the load and the console; `machine_busy_cores` is the whole machine's
(/proc/stat): it is shared, so other work shows there, as in the load averages given.

Failover: on the same cluster, MQTT at `--failover-rate`; the leader is killed (SIGKILL) after
`--kill-after` s; GET /api/cluster on a standby is polled every 0.1 s until it names itself
(`lease_s`), and its console's first push after the kill tells that its engine stores alarms
again (`engine_s`). The killed node starts again at once (as systemd would) and takes up its MQTT
session, where the broker queued its share meanwhile. Once all is stored: `lost` payloads (sent,
never stored), `twice` (raw rows over payloads sent) and `alarms_ok` (one alarm row per id).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench._cluster import Cluster, Node, cluster, free_port, private_nats
from bench.alarms import (
    Frames,
    HttpPlan,
    HttpResult,
    MqttPlan,
    MqttResult,
    Payloads,
    _epoch,
    _spawn,
    console,
    http_load,
    mqtt_load,
    pct,
    postgres_database,
)
from bench.alarms import prepare_database as create_account

USERNAME, PASSWORD = "bench-supervisor", "quay-lamp-river-7"
POLL_S = 0.1


def emit(**fields: Any) -> None:
    """One JSON result line."""
    print(json.dumps({"bench": "cluster_alarms", **fields}), flush=True)


def note(text: str) -> None:
    """Progress, on stderr."""
    print(f"# {text}", file=sys.stderr, flush=True)


def prepare_database(url: str) -> None:
    """Migrate and create the supervisor who posts, watches and asks who leads."""
    create_account(url, USERNAME, PASSWORD, role="supervisor")


@contextlib.contextmanager
def private_broker(folder: Path) -> Iterator[tuple[str, int]]:
    """A Mosquitto of our own that queues without bound for a share-group member away; (url,
    pid)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\nmax_inflight_messages 0\n"
    )
    log = (folder / "mosquitto.log").open("ab")
    proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("mosquitto did not start")
            time.sleep(0.05)
        yield f"mqtt://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def site_yaml(broker: str, topic: str) -> str:
    """One MQTT alarm source, shared by the API nodes."""
    return (
        "site: {name: Bench Angers, timezone: Europe/Paris}\n"
        "alarm_sources:\n"
        f"  - {{id: bench, kind: mqtt, url: '{broker}', topic: '{topic}', mqtt_version: '5',"
        " share_group: csu}\n"
    )


@dataclass
class Stack:
    """The running cluster and the processes whose CPU is reported."""

    nodes: Cluster
    broker: str
    topic: str
    nats_url: str = ""
    pids: dict[str, int] = field(default_factory=dict)


def login(node: Node) -> str:
    """The supervisor's bearer token on `node`."""
    body = {"username": USERNAME, "password": PASSWORD}
    response = httpx.post(f"{node.url}/api/auth/login", json=body, timeout=20)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def leader(node: Node, token: str) -> str | None:
    """Which node leads, as `node` says (None: it does not answer)."""
    try:
        response = httpx.get(
            f"{node.url}/api/cluster", headers={"Authorization": f"Bearer {token}"}, timeout=2
        )
        found: str | None = response.json()["engine"]["leader"]
        return found
    except (httpx.HTTPError, ValueError, KeyError):
        return None


def wait_for(check: Any, timeout: float, what: str) -> Any:
    """Poll `check` until it returns something true."""
    deadline = time.monotonic() + timeout
    while (found := check()) is None or found is False:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout} s")
        time.sleep(POLL_S)
    return found


@contextlib.contextmanager
def running(folder: Path, database_url: str, count: int) -> Iterator[Stack]:
    """NATS, a broker, and `count` API nodes, api1 leading."""
    run = uuid.uuid4().hex[:8]
    topic = f"csu-bench/{run}/alarms"
    with (
        private_nats(folder / "nats") as nats,
        private_broker(folder / "mqtt") as (broker, broker_pid),
        cluster(folder / "nodes", site_yaml(broker, topic), nats.url, database_url) as nodes,
    ):
        first = nodes.api("api1")
        token = login(first)
        wait_for(lambda: leader(first, token) == "api1", 30, "api1 leads")
        for n in range(2, count + 1):
            nodes.api(f"api{n}")
        yield Stack(
            nodes, broker, topic, nats.url, {"nats": nats.process.pid, "mosquitto": broker_pid}
        )


# --- CPU --------------------------------------------------------------------------------------


def _scan() -> dict[int, tuple[int, str, float]]:
    """Every process now: pid -> (parent, command, CPU seconds with its reaped children's)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            text = Path(f"/proc/{entry}/stat").read_text()
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text.rpartition(")")[2].split()
            cpu = sum(int(v) for v in fields[11:15]) / tick
            found[int(entry)] = (int(fields[1]), name, cpu)
    return found


def _busy_seconds() -> float:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # not idle, iowait


def _tree_cpu(root: int, processes: dict[int, tuple[int, str, float]]) -> float:
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    total, queue = 0.0, [root]
    while queue:
        pid = queue.pop()
        total += processes[pid][2] if pid in processes else 0.0
        queue.extend(children.get(pid, ()))
    return total


class CpuWatch:
    """CPU seconds of each role (a process and its descendants; PostgreSQL: every postgres
    process), and the machine's busy time, sampled every 0.25 s."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = roots
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            processes = _scan()
            sample = {role: _tree_cpu(pid, processes) for role, pid in self.roots.items()}
            sample["postgres"] = sum(
                cpu for _, name, cpu in processes.values() if name == "postgres"
            )
            sample["machine"] = _busy_seconds()
            self.samples.append((time.monotonic(), sample))
            self._stop.wait(0.25)

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()

    def cores(self, start: float, end: float) -> dict[str, float]:
        """Cores each role used between two moments (nearest samples)."""
        first = min(self.samples, key=lambda s: abs(s[0] - start))
        last = min(self.samples, key=lambda s: abs(s[0] - end))
        wall = last[0] - first[0]
        if wall <= 0:
            return {}
        return {k: round((last[1][k] - first[1].get(k, 0.0)) / wall, 2) for k in last[1]}


# --- throughput -------------------------------------------------------------------------------


def raw_rows(url: str) -> list[tuple[int, float, float | None]]:
    """Every raw payload in engine order: (id, receipt, the engine's batch start) as epochs."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            handled = dict(
                conn.execute(
                    sa.text("SELECT raw_id, min(received_at) FROM alarms GROUP BY raw_id")
                ).all()
            )
            rows = conn.execute(sa.text("SELECT id, received_at FROM raw_alarms ORDER BY id"))
            return [(i, _epoch(at), _epoch(handled[i]) if i in handled else None) for i, at in rows]
    finally:
        engine.dispose()


def marks(url: str) -> tuple[int, int]:
    """The last raw payload's and the last alarm's ids: a run's rows come after them."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            raw = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM raw_alarms")).scalar_one()
            alarm = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM alarms")).scalar_one()
            return int(raw), int(alarm)
    finally:
        engine.dispose()


def counts(url: str, after: tuple[int, int]) -> dict[str, int]:
    """Payloads (raw rows) and alarms stored since `after` (marks), and those unparsed."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:

            def one(query: str, since: int) -> int:
                return int(conn.execute(sa.text(query), {"since": since}).scalar_one())

            raw = "SELECT count(*) FROM raw_alarms WHERE id > :since"
            return {
                "raw": one(raw, after[0]),
                "unparsed": one(f"{raw} AND status = 'received'", after[0]),
                "alarms": one("SELECT count(*) FROM alarms WHERE id > :since", after[1]),
            }
    finally:
        engine.dispose()


def wait_all(url: str, after: tuple[int, int], sent: int, stall_s: float = 15.0) -> dict[str, int]:
    """Poll until a run's payloads are all stored and parsed, or nothing moved for `stall_s`."""
    last, moved = None, time.monotonic()
    while True:
        found = counts(url, after)
        if found["raw"] >= sent and found["unparsed"] == 0:
            return found
        if found != last:
            last, moved = found, time.monotonic()
        elif time.monotonic() - moved > stall_s:
            return found
        time.sleep(0.5)


def throughput(stack: Stack, url: str, opts: argparse.Namespace) -> None:
    """Drive the load, then time every measured payload from receipt to the console."""
    nodes = list(stack.nodes.nodes.values())
    tokens = {n.name: login(n) for n in nodes}
    watcher = nodes[-1]  # a console where the leader (api1) is not
    ws_proc, ws_conn = _spawn(console, int(watcher.url.rsplit(":", 1)[1]), tokens[watcher.name])
    if ws_conn.recv() != "ready":
        raise RuntimeError("console did not connect")
    run = uuid.uuid4().hex[:8]
    after = marks(url)
    start = time.monotonic()
    loads: list[tuple[str, Any, Any]] = []
    if opts.rate:
        total = int(opts.rate * (opts.warmup + opts.seconds))
        plan = MqttPlan(
            stack.broker, stack.topic, f"{run}m", opts.rate, total,
            int(opts.rate * opts.warmup), 1, 200, "mosquitto_pub",
        )  # fmt: skip
        loads.append(("mqtt", *_spawn(mqtt_load, plan)))
    for i, node in enumerate(nodes if opts.http_rate else []):
        plan_h = HttpPlan(
            int(node.url.rsplit(":", 1)[1]), tokens[node.name], f"{run}h",
            opts.http_rate / len(nodes), opts.warmup, opts.seconds, 32, i, len(nodes),
        )  # fmt: skip
        loads.append((f"http-{node.name}", *_spawn(http_load, plan_h)))
    roots = {n.name: n.process.pid for n in nodes} | stack.pids
    roots |= {name: proc.pid for name, proc, _ in loads} | {"console": ws_proc.pid}
    cpu = CpuWatch(roots)
    spies = [_spy(opts.py_spy, n, opts.warmup + opts.seconds) for n in nodes if opts.py_spy]
    results = {name: conn.recv() for name, _, conn in loads}
    for spy in spies:
        spy.wait(60)
    sent = sum(_sent(r) for r in results.values())
    found = wait_all(url, after, sent)
    time.sleep(0.5)
    ws_conn.send("stop")
    frames: Frames = ws_conn.recv()
    ws_proc.join(5)
    cpu.stop()
    _report_throughput(opts, url, start, frames, cpu, results, sent, found)


def _sent(result: MqttResult | HttpResult) -> int:
    if isinstance(result, MqttResult):
        return len(result.messages)
    return sum(1 for r in result.requests if r[6] < 300)


def _report_throughput(
    opts: argparse.Namespace,
    url: str,
    start: float,
    frames: Frames,
    cpu: CpuWatch,
    results: dict[str, Any],
    sent: int,
    found: dict[str, int],
) -> None:
    offset = time.time() - time.monotonic()
    rows = raw_rows(url)
    warm_until = start + opts.warmup
    push, engine, first, last = [], [], None, 0.0
    for rank, (_, received, handled) in enumerate(rows, start=1):
        received -= offset
        if received < warm_until:
            continue
        pushed = frames.pushed_at(rank)
        first = received if first is None else min(first, received)
        if pushed is not None:
            push.append(pushed - received)
            last = max(last, pushed)
        if handled is not None:
            engine.append(handled - offset - received)
    measured = len(push)
    wall = last - first if first is not None else 0.0
    achieved = measured / wall if wall > 0 else 0.0
    answers = [
        r[5] - r[3]
        for result in results.values()
        if isinstance(result, HttpResult)
        for r in result.requests
        if not r[2] and r[6] < 300
    ]
    statuses: dict[int, int] = {}
    for result in results.values():
        for r in result.requests if isinstance(result, HttpResult) else ():
            statuses[r[6]] = statuses.get(r[6], 0) + 1
    emit(
        figure="throughput",
        nodes=opts.nodes,
        offered_mqtt_per_s=opts.rate,
        offered_http_per_s=opts.http_rate,
        sent=sent,
        stored_raw=found["raw"],
        stored_alarms=found["alarms"],
        lost=sent - found["raw"],
        measured=measured,
        achieved_per_s=round(achieved, 1),
        push_p50_ms=pct(push, 50),
        push_p99_ms=pct(push, 99),
        engine_p50_ms=pct(engine, 50),
        engine_p99_ms=pct(engine, 99),
        http_statuses=statuses,
        http_answer_p50_ms=pct(answers, 50),
        http_answer_p99_ms=pct(answers, 99),
        backlog_s=round(last - (start + opts.warmup + opts.seconds), 2),
        cores=cpu.cores(first or start, last),
        load=[round(x, 2) for x in os.getloadavg()],
        meets_rate=achieved >= 10_000 * 0.98,
        meets_p99=(pct(push, 99) or 1e9) < 100,
    )


def _spy(prefix: Path, node: Node, seconds: float, what: str = "") -> subprocess.Popen[bytes]:
    """py-spy on one node, what holds the GIL by thread: collapsed stacks, <prefix>-<node>.txt."""
    command = ["py-spy", "record", "--pid", str(node.process.pid), "--format", "raw"]
    command += ["--rate", "100", "--nonblocking", "--threads", "--gil", "-d", str(int(seconds))]
    command += ["-o", f"{prefix}-{what}{node.name}.txt"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --- the engine alone ---------------------------------------------------------------------------


def drain(stack: Stack, url: str, opts: argparse.Namespace) -> None:
    """The engine's own pace: `--drain` payloads put straight into the alarm stream (by this
    process, as fast as JetStream takes them), timed from the console's first push to the push
    that completes them; no API node receives anything meanwhile."""
    nodes = list(stack.nodes.nodes.values())
    watcher = nodes[-1]
    ws_proc, ws_conn = _spawn(console, int(watcher.url.rsplit(":", 1)[1]), login(watcher))
    if ws_conn.recv() != "ready":
        raise RuntimeError("console did not connect")
    after = marks(url)
    roots = {n.name: n.process.pid for n in nodes} | stack.pids
    cpu = CpuWatch(roots)
    spies = [_spy(opts.py_spy, n, 12, "drain") for n in nodes[:1] if opts.py_spy]
    published = asyncio.run(_put_straight(stack.nats_url, uuid.uuid4().hex[:8], opts.drain))
    found = wait_all(url, after, opts.drain)
    for spy in spies:
        spy.wait(60)
    time.sleep(0.5)
    ws_conn.send("stop")
    frames: Frames = ws_conn.recv()
    ws_proc.join(5)
    cpu.stop()
    first, done = frames.times[0], frames.pushed_at(opts.drain)  # the console's own count
    wall = (done or frames.times[-1]) - first
    emit(
        figure="engine drain",
        payloads=opts.drain,
        stored_raw=found["raw"],
        publish_s=round(published, 2),
        engine_per_s=round(opts.drain / wall, 1) if wall > 0 else None,
        cores=cpu.cores(first, done or frames.times[-1]),
        load=[round(x, 2) for x in os.getloadavg()],
    )


async def _put_straight(nats_url: str, run: str, count: int) -> float:
    """Publish `count` csu-JSON payloads into the alarm stream; seconds it took."""
    import nats

    from incidents.parsing import Channel, Submission
    from incidents.stream import StreamSettings, message_id, new_intake_id, pack, subject

    settings = StreamSettings()
    payloads = Payloads(run)
    client = await nats.connect(nats_url)
    js = client.jetstream()
    start = time.monotonic()
    try:
        for n0 in range(0, count, 1000):
            acks = []
            for n in range(n0, min(count, n0 + 1000)):
                sub = Submission(Channel.MQTT, payloads.alarm(n), datetime.now(UTC))
                data = pack(sub, intake_id=new_intake_id(), node="bench")
                headers = {"Nats-Msg-Id": message_id(sub)}
                acks.append(
                    await js.publish_async(subject(settings, sub.channel), data, headers=headers)
                )
            await asyncio.gather(*acks)
    finally:
        await client.close()
    return time.monotonic() - start


# --- failover ---------------------------------------------------------------------------------


def failover_round(stack: Stack, url: str, opts: argparse.Namespace) -> dict[str, Any]:
    """Kill the leader under MQTT load; how long until the standby leads and its engine runs."""
    nodes = stack.nodes
    tokens = {n.name: login(n) for n in nodes.nodes.values()}
    lead = wait_for(lambda: leader(nodes.nodes["api1"], tokens["api1"]), 30, "a leader")
    standby = next(n for n in nodes.nodes.values() if n.name != lead)
    ws_proc, ws_conn = _spawn(console, int(standby.url.rsplit(":", 1)[1]), tokens[standby.name])
    if ws_conn.recv() != "ready":
        raise RuntimeError("console did not connect")
    run = uuid.uuid4().hex[:8]
    after = marks(url)
    count = int(opts.failover_rate * opts.failover_seconds)
    plan = MqttPlan(
        stack.broker, stack.topic, run, opts.failover_rate, count, 0, 1, 200, "mosquitto_pub"
    )
    load, load_conn = _spawn(mqtt_load, plan)
    time.sleep(opts.kill_after)
    nodes.nodes[lead].kill()
    killed = time.monotonic()
    token = tokens[standby.name]
    wait_for(lambda: leader(standby, token) == standby.name, 60, "the standby leads")
    lease_s = time.monotonic() - killed
    nodes.api(lead)  # back, as a standby now
    result: MqttResult = load_conn.recv()
    load.join(5)
    found = wait_all(url, after, len(result.messages))
    ws_conn.send("stop")
    frames: Frames = ws_conn.recv()
    ws_proc.join(5)
    after = [t for t in frames.times if t > killed + 0.3]
    unique = len({m[0] for m in result.messages})
    return {
        "killed": lead,
        "rate": opts.failover_rate,
        "lease_s": round(lease_s, 2),
        "engine_s": round(after[0] - killed, 2) if after else None,
        "sent": len(result.messages),
        "lost": len(result.messages) - found["raw"],
        "twice": max(0, found["raw"] - len(result.messages)),
        "alarms_ok": found["alarms"] == unique,
        "load": [round(x, 2) for x in os.getloadavg()],
    }


def failovers(stack: Stack, url: str, opts: argparse.Namespace) -> None:
    """`--failovers` rounds, each killing whichever node leads; then a summary."""
    rounds = []
    for i in range(opts.failovers):
        result = failover_round(stack, url, opts)
        emit(figure="failover", round=i + 1, **result)
        rounds.append(result)
    for key in ("lease_s", "engine_s"):
        values = [r[key] for r in rounds if r[key] is not None]
        if values:
            emit(
                figure=f"failover {key} summary",
                rounds=len(values),
                min=min(values),
                median=round(statistics.median(values), 2),
                max=max(values),
            )


def main() -> None:
    """Parse the options and run: throughput, then failovers, on one cluster."""
    parser = argparse.ArgumentParser(prog="python -m bench.cluster_alarms", description=__doc__)
    parser.add_argument("--nodes", type=int, default=2, help="API nodes")
    parser.add_argument("--rate", type=float, default=10_000.0, help="MQTT alarms a second")
    parser.add_argument("--http-rate", type=float, default=0.0, help="HTTP alarms a second")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured")
    parser.add_argument("--warmup", type=float, default=2.0, help="not measured")
    parser.add_argument("--drain", type=int, default=50_000, help="payloads for the engine")
    parser.add_argument("--failovers", type=int, default=2)
    parser.add_argument("--failover-rate", type=float, default=1000.0)
    parser.add_argument("--failover-seconds", type=float, default=12.0)
    parser.add_argument("--kill-after", type=float, default=3.0)
    default_db = os.environ.get(
        "CSU_TEST_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
    )
    parser.add_argument("--postgres", default=default_db, help="PostgreSQL server URL")
    parser.add_argument("--py-spy", type=Path, help="profile each node: PREFIX-<node>.txt")
    opts = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as tmp, postgres_database(opts.postgres, run) as url:
        prepare_database(url)
        emit(figure="machine", cores=os.cpu_count(), load=[round(x, 2) for x in os.getloadavg()])
        with running(Path(tmp), url, opts.nodes) as stack:
            if opts.rate or opts.http_rate:
                throughput(stack, url, opts)
            if opts.drain:
                drain(stack, url, opts)
            if opts.failovers:
                failovers(stack, url, opts)


if __name__ == "__main__":
    main()
