"""MQTT alarm feed alone: process CPU per message received, and the rate it reaches by itself.

Run: `python -m bench.mqtt_feed [--count 100000] [--rate 10000] [--seconds 10]`; prints one JSON
line per scenario and acknowledgement mode.

A Mosquitto of its own on a free port (no limit on queued or in-flight messages, as csu's docs
ask for `ack: stored`), and `mosquitto_pub -l -q 1` publishing one csu-JSON alarm (about 250 bytes)
per line on a topic of its own. The feed (incidents.mqtt.MqttFeed) hands every message to a
counter instead of the incident engine; with `ack: stored` the counter's own thread calls
`on_stored` every 5 ms for what it took, as the engine's writer would after a commit. So the CPU
is the feed's own: paho's reading, the Submission, the acknowledgement. CPU is this process's user
+ system time (every thread); the broker and the publisher run in processes of their own.
- backlog: `--count` alarms queued at the broker for the feed's persistent session before it
  connects; from start() to the last one handed over: the feed alone is the limit.
- paced: `--rate` alarms a second for `--seconds`, piped into the publisher by a pacing process,
  the feed already connected; CPU between the first and the last message (core_share: the part
  of one core the feed takes at that rate).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench._cluster import Mosquitto, private_mosquitto
from csu.config import AlarmSourceConfig
from incidents.mqtt import MqttFeed
from incidents.parsing import Submission

# Writes `rate` lines a second from the file argv[1] to stdout, for `seconds`, in 10 ms slices.
_PACER = """
import sys, time
lines = open(sys.argv[1], "rb").read().splitlines(keepends=True)
rate, seconds = float(sys.argv[2]), float(sys.argv[3])
start, sent, total = time.monotonic(), 0, int(rate * seconds)
while sent < total:
    due = min(total, int((time.monotonic() - start) * rate) + 1)
    sys.stdout.buffer.write(b"".join(lines[sent:due]))
    sys.stdout.buffer.flush()
    sent = due
    time.sleep(0.01)
"""


class Counter:
    """The engine's stand-in: counts; with acks, a thread acknowledges what it took every 5 ms."""

    def __init__(self, acks: bool) -> None:
        self.count = 0
        self._stored: deque[Callable[[], None]] = deque()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._acknowledge, daemon=True)
        if acks:
            self._thread.start()

    def pending(self) -> int:
        return 0

    def feed(self, submission: Submission) -> None:
        self.count += 1
        if submission.on_stored is not None:
            self._stored.append(submission.on_stored)

    def close(self) -> None:
        self._stop.set()

    def _acknowledge(self) -> None:
        while not self._stop.wait(0.005):
            while self._stored:
                self._stored.popleft()()


def publisher(broker: Mosquitto, topic: str, stdin: Any) -> subprocess.Popen[bytes]:
    """mosquitto_pub reading one message per line."""
    command = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), "-q", "1"]
    return subprocess.Popen([*command, "-t", topic, "-l"], stdin=stdin)


def alarms(path: Path, count: int) -> None:
    """`count` csu-JSON lamp-off alarms, one a line, each with its own external id."""
    run = uuid.uuid4().hex[:8]
    with path.open("w") as out:
        for n in range(count):
            alarm = {
                "source": "hypervisor-mqtt",
                "external_id": f"{run}-{n}",
                "type": "lighting.lamp_off",
                "occurred_at": "2026-01-01T00:00:00+00:00",
                "location": {"type": "Point", "coordinates": [-0.55 + n * 1e-7, 47.47]},
            }
            out.write(json.dumps(alarm) + "\n")


def _feed(broker: Mosquitto, topic: str, ack: str, counter: Counter) -> MqttFeed:
    source = AlarmSourceConfig.model_validate(
        {
            "id": "bench",
            "kind": "mqtt",
            "url": broker.url,
            "topic": topic,
            "ack": ack,
        }
    )
    return MqttFeed(source, counter, client_id=f"bench-{topic.rsplit('/', 1)[-1]}")


def _wait(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the feed did not receive everything in time")
        time.sleep(0.005)


def backlog(broker: Mosquitto, lines: Path, count: int, ack: str) -> dict[str, Any]:
    """Everything queued at the broker first, then drained by a fresh connection."""
    topic = f"bench/alarms/{uuid.uuid4().hex[:8]}"
    first = Counter(acks=False)
    feed = _feed(broker, topic, ack, first)
    feed.start()  # creates the persistent session that the broker queues for
    _wait(lambda: feed.status.connected, 15)
    feed.stop()
    with lines.open("rb") as stdin:
        publish = publisher(broker, topic, stdin)
        publish.wait(timeout=600)
    counter = Counter(acks=ack == "stored")
    feed = _feed(broker, topic, ack, counter)
    cpu, wall = time.process_time(), time.monotonic()
    feed.start()
    _wait(lambda: counter.count >= count, 600)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    feed.stop()
    counter.close()
    return _figures("backlog", ack, counter.count, cpu, wall)


def paced(broker: Mosquitto, lines: Path, rate: float, seconds: float, ack: str) -> dict[str, Any]:
    """Published at `rate` a second while the feed is connected."""
    topic = f"bench/alarms/{uuid.uuid4().hex[:8]}"
    counter = Counter(acks=ack == "stored")
    feed = _feed(broker, topic, ack, counter)
    feed.start()
    _wait(lambda: feed.status.connected, 15)
    total = int(rate * seconds)
    pacer = subprocess.Popen(
        [sys.executable, "-c", _PACER, str(lines), str(rate), str(seconds)],
        stdout=subprocess.PIPE,
    )
    publishing = publisher(broker, topic, pacer.stdout)
    _wait(lambda: counter.count > 0, 15)
    cpu, wall, first = time.process_time(), time.monotonic(), counter.count
    _wait(lambda: counter.count >= total, seconds * 10 + 30)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    pacer.wait()
    publishing.wait()
    feed.stop()
    counter.close()
    figures = _figures("paced", ack, counter.count - first, cpu, wall)
    return figures | {"rate": rate, "core_share": round(cpu / wall, 3)}


def _figures(scenario: str, ack: str, messages: int, cpu: float, wall: float) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "ack": ack,
        "messages": messages,
        "cpu_s": round(cpu, 3),
        "cpu_us_per_message": round(cpu / messages * 1e6, 2),
        "wall_s": round(wall, 3),
        "messages_per_s": round(messages / wall),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scenarios; one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=10_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--acks", default="received,stored")
    args = parser.parse_args(argv)
    for tool in ("mosquitto", "mosquitto_pub"):
        if shutil.which(tool) is None:
            print(json.dumps({"skipped": f"{tool} not found"}))
            return 0
    workdir = Path(tempfile.mkdtemp(prefix="csu-bench-mqtt-"))
    os.chmod(workdir, 0o777)  # Mosquitto started as root drops to its own user
    queued, stream = workdir / "backlog.jsonl", workdir / "paced.jsonl"
    alarms(queued, args.count)
    alarms(stream, int(args.rate * args.seconds))
    try:
        with private_mosquitto(workdir) as broker:
            for ack in args.acks.split(","):
                print(json.dumps(backlog(broker, queued, args.count, ack)), flush=True)
                print(json.dumps(paced(broker, stream, args.rate, args.seconds, ack)), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
