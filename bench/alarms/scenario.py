"""One scenario: a server on a fresh database, one kind of load at it, the figures."""

from __future__ import annotations

import contextlib
import signal
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.alarms.console import Console
from bench.alarms.load_http import HttpPlan, HttpResult, http_load
from bench.alarms.load_mqtt import MqttPlan, MqttResult, forget_mqtt_session, mqtt_load
from bench.alarms.measure import CpuWatch
from bench.alarms.report import Outcome, Timed, note, report
from bench.alarms.server import (
    PASSWORD,
    USERNAME,
    Server,
    Uvicorn,
    models_cache,
    py_spy,
    site_yaml,
    spawn,
    start_server,
    wait_cameras_online,
)
from bench.alarms.stored import postgres_database, prepare_database, stage_latency, wait_stored

SCENARIOS = ("http", "http-max", "mqtt", "mqtt-max")
MQTT_WINDOW = 200  # publishes awaiting their PUBACK at once


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
    uvicorn: Uvicorn
    py_spy: Path | None
    cameras: str = "none"

    def flush_s(self) -> float:
        """The console hub's coalescing window the server runs with."""
        if self.uvicorn.flush_s is not None:
            return self.uvicorn.flush_s
        import web.hub

        return web.hub.FLUSH_S

    def setup(self, name: str) -> dict[str, Any]:
        """What the figures of scenario `name` were measured on."""
        http = name.startswith("http")
        return {
            "transport": "http" if http else f"mqtt qos{self.mqtt_qos} ack {self.mqtt_ack}",
            "load_client": "aiohttp" if http else self.mqtt_client,
            "database": "postgresql" if self.postgres else "sqlite",
            "cameras": self.cameras,
            "uvicorn": f"http={self.uvicorn.http} loop={self.uvicorn.loop}",
            "flush_s": self.flush_s(),
        }


def run_scenario(name: str, opts: Options) -> None:
    """Start a server, drive one kind of load at it, measure, verify the database, report."""
    run = uuid.uuid4().hex[:10]
    with (
        tempfile.TemporaryDirectory(prefix="csu-bench-alarms-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        folder = Path(tmp)
        if opts.postgres:
            url = stack.enter_context(postgres_database(opts.postgres, run))
        else:
            url = f"sqlite:///{folder / 'csu.db'}"
        text, topic = site_yaml(run, opts.broker, opts.mqtt_ack, opts.cameras)
        (folder / "site.yaml").write_text(text)
        if opts.cameras == "demo":
            (folder / "var").mkdir()
            (folder / "var" / "models").symlink_to(models_cache())
        prepare_database(url, USERNAME, PASSWORD)
        server = start_server(folder, url, opts.uvicorn)
        stack.callback(forget_mqtt_session, opts.broker, run)
        stack.callback(server.node.stop)
        if opts.cameras == "demo":
            wait_cameras_online(server)
        try:
            report(name, opts.setup(name), measure(name, opts, server, run, topic))
        except Exception:
            note("server log:\n" + server.node.tail()[-3000:])
            raise


def measure(name: str, opts: Options, server: Server, run: str, topic: str) -> Outcome:
    """Drive the load with the console following and the server's CPU sampled."""
    cpu = CpuWatch(trees={"server": server.pid}, alone={"server_main": server.pid})
    console = Console(server.url, server.token)
    spy = None
    if opts.py_spy:
        options = ("--subprocesses", "--rate", "250")
        spy = py_spy(server.pid, f"{opts.py_spy}-{name}.txt", *options)
    flat = name.endswith("-max")
    if name.startswith("http"):
        timed = drive_http(opts, server, run, flat)
    else:
        timed = drive_mqtt(opts, run, topic, flat)
    counts = wait_stored(server.database_url, timed.sent)
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)
    time.sleep(0.3 + opts.flush_s())  # the last frame
    frames = console.close()
    cpu.stop()
    stages = stage_latency(server.database_url, timed.ranks, timed.planned)
    return Outcome(timed, frames, cpu, counts, stages)


def drive_http(opts: Options, server: Server, run: str, flat: bool) -> Timed:
    """`--http-procs` processes posting for warm-up + seconds; their measured requests."""
    procs = opts.http_procs
    children = [
        spawn(
            http_load,
            HttpPlan(
                server.url,
                server.token,
                run,
                0.0 if flat else opts.http_rate / procs,
                opts.warmup_s,
                opts.seconds,
                max(1, opts.connections // procs),
                index,
                procs,
            ),
        )
        for index in range(procs)
    ]
    results: list[HttpResult] = [child.conn.recv() for child in children]
    for child in children:
        child.process.join(5)
    return http_timed(run, results)


def http_timed(run: str, results: list[HttpResult]) -> Timed:
    """The measured requests of the HTTP load processes, as `report` takes them."""
    requests = [r for result in results for r in result.requests]
    bad = [r for r in requests if r.status >= 300 or r.raw_id <= 0]
    if bad:
        note(f"{len(bad)} requests failed, first status {bad[0].status}")
    measured = [r for r in requests if not r.warm and r.raw_id > 0]
    if not measured:
        raise RuntimeError("no alarm was accepted over HTTP")
    return Timed(
        ranks=[r.raw_id for r in measured],
        planned=[r.planned for r in measured],
        sent_last=max(r.sent for r in measured),
        new_ids=[f"{run}-{r.n}" for r in measured if not r.resend],
        new_planned=[r.planned for r in measured if not r.resend],
        sent=len(requests),
        unique=len({r.n for r in requests if r.status < 300}),
        post_latency=[r.done - r.planned for r in measured],
        client_cpu_s=sum(result.cpu_s for result in results),
    )


def drive_mqtt(opts: Options, run: str, topic: str, flat: bool) -> Timed:
    """One publisher: warm-up, then `--mqtt-count` measured alarms; ranks are publish order."""
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
        MQTT_WINDOW,
        opts.mqtt_client,
    )
    child = spawn(mqtt_load, plan)
    result: MqttResult = child.conn.recv()
    child.process.join(5)
    measured = [(rank, m) for rank, m in enumerate(result.messages, start=1) if rank > warmup]
    return Timed(
        ranks=[rank for rank, _ in measured],
        planned=[m.planned for _, m in measured],
        sent_last=max(m.published for _, m in measured),
        new_ids=[f"{run}-{m.n}" for _, m in measured if not m.resend],
        new_planned=[m.planned for _, m in measured if not m.resend],
        sent=len(result.messages),
        unique=len({m.n for m in result.messages}),
        client_cpu_s=result.cpu_s,
        client_child_cpu_s=result.child_cpu_s,
    )
