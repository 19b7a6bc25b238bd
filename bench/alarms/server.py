"""The processes of a run: the app under test in a child process (`python -m bench.alarms.server`,
the whole app under uvicorn) or in a thread of the bench's own, the bench's children (load,
console) and py-spy.

The HTTP and WebSocket implementations are uvicorn's `auto` choice unless `--http`/`--loop` say
otherwise (httptools and uvloop when `uvicorn[standard]` is installed).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bench._cluster import Node, free_port, wait_healthy

USERNAME, PASSWORD = "bench-operator", "quay-lamp-river-7"


@dataclass(frozen=True)
class Uvicorn:
    """How the server runs: uvicorn's HTTP and loop implementations, the hub's window."""

    http: str = "auto"
    loop: str = "auto"
    flush_s: float | None = None  # what-if: web.hub.FLUSH_S


@dataclass
class Server:
    """The app under uvicorn in a child process, on a database of its own."""

    node: Node
    folder: Path
    database_url: str
    token: str = ""

    @property
    def url(self) -> str:
        """Where it answers."""
        return self.node.url

    @property
    def pid(self) -> int:
        """Its process id."""
        return self.node.process.pid


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


def login(base_url: str, username: str = USERNAME, password: str = PASSWORD) -> str:
    """A bearer token for the account on the node at `base_url`."""
    body = {"username": username, "password": password}
    response = httpx.post(f"{base_url}/api/auth/login", json=body, timeout=20)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def start_server(folder: Path, database_url: str, how: Uvicorn) -> Server:
    """Start the app on the site file in `folder`, wait until it answers, log the operator in."""
    port = free_port()
    command = [sys.executable, "-m", "bench.alarms.server", str(folder), "--port", str(port)]
    command += ["--database-url", database_url, "--http", how.http, "--loop", how.loop]
    if how.flush_s is not None:
        command += ["--flush-s", str(how.flush_s)]
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    node = Node("server", f"http://127.0.0.1:{port}", process, log)
    wait_healthy(node, timeout=120)
    return Server(node, folder, database_url, login(node.url))


def wait_cameras_online(server: Server, timeout_s: float = 300.0) -> None:
    """Wait until every camera of the site says it is online."""
    headers = {"Authorization": f"Bearer {server.token}"}
    deadline = time.monotonic() + timeout_s
    while True:
        cameras = httpx.get(f"{server.url}/api/cameras", headers=headers, timeout=10).json()
        if all(c["status"] == "online" for c in cameras):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"cameras not online: {[(c['id'], c['status']) for c in cameras]}")
        time.sleep(0.5)


@dataclass(frozen=True)
class Child:
    """A child process of the bench and its end of the pipe to it."""

    process: BaseProcess
    conn: Connection

    @property
    def pid(self) -> int:
        """Its process id."""
        assert self.process.pid is not None  # started
        return self.process.pid


def spawn(target: Callable[..., None], *args: Any) -> Child:
    """Run `target(*args, conn)` in a fresh interpreter, so its CPU stays apart from ours."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=target, args=(*args, child), daemon=True)
    process.start()
    return Child(process, parent)


def py_spy(pid: int, out: str, *options: str) -> subprocess.Popen[bytes]:
    """py-spy on a process, what holds the GIL: raw collapsed stacks into `out`."""
    command = ["py-spy", "record", "--pid", str(pid), "--format", "raw", "--gil", "--nonblocking"]
    command += [*options, "-o", out]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def serve_in_thread(app: Any) -> tuple[uvicorn.Server, str]:
    """An app under uvicorn in a thread of this process, so that its CPU is ours; (uvicorn
    server, base URL), once it answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{sock.getsockname()[1]}"


def serve(folder: Path, port: int, database_url: str, how: Uvicorn) -> None:
    """The server process: the whole app under uvicorn."""
    from csu.app import create_app
    from csu.config import parse_site
    from csu.settings import Settings

    if how.flush_s is not None:
        import web.hub

        web.hub.FLUSH_S = how.flush_s
    settings = Settings(data_dir=folder / "var", database_url=database_url, log_level="WARNING")
    site = parse_site((folder / "site.yaml").read_text())
    app = create_app(settings, site)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        http=how.http,
        loop=how.loop,
        log_level="warning",
        access_log=False,
    )


def main() -> None:
    """`python -m bench.alarms.server FOLDER --port P --database-url URL [...]`."""
    parser = argparse.ArgumentParser(description="The app under test (started by bench.alarms).")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--http", default="auto")
    parser.add_argument("--loop", default="auto")
    parser.add_argument("--flush-s", type=float)
    args = parser.parse_args()
    serve(args.folder, args.port, args.database_url, Uvicorn(args.http, args.loop, args.flush_s))


if __name__ == "__main__":
    main()
