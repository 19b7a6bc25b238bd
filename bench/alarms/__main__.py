"""`python -m bench.alarms`: parse the options, run the scenarios."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
from pathlib import Path

import bench.alarms
from bench.alarms.load_mqtt import MQTT_CLIENTS
from bench.alarms.report import note
from bench.alarms.scenario import SCENARIOS, Options, run_scenario
from bench.alarms.server import Uvicorn


def parser() -> argparse.ArgumentParser:
    """The command line."""
    doc = bench.alarms.__doc__ or ""
    parser = argparse.ArgumentParser(prog="python -m bench.alarms", description=doc.split("\n")[0])
    add = parser.add_argument
    add("--scenarios", default=",".join(SCENARIOS))
    add("--repeat", type=int, default=1, help="Runs of each scenario.")
    add("--seconds", type=float, default=10.0, help="HTTP load, measured.")
    add("--warmup", type=float, default=2.0, help="Seconds not measured.")
    add("--http-rate", type=float, default=2000.0)
    add("--connections", type=int, default=128)
    add("--http-procs", type=int, default=1, help="HTTP load processes.")
    add("--mqtt-rate", type=float, default=10_000.0)
    add("--mqtt-count", type=int, default=50_000, help="Measured alarms.")
    add("--mqtt-qos", type=int, choices=(0, 1), default=1)
    add(
        "--mqtt-client",
        choices=MQTT_CLIENTS,
        default=MQTT_CLIENTS[0],
        help="MQTT load: Debian's C mosquitto_pub fed line by line, or aiomqtt in Python.",
    )
    add(
        "--mqtt-ack",
        choices=("received", "stored"),
        default="received",
        help="When csu acknowledges (the alarm source's `ack`).",
    )
    add("--broker", default=os.environ.get("CSU_BENCH_BROKER", "mqtt://127.0.0.1"))
    add("--postgres", metavar="URL", help="Use a fresh database on this server.")
    add("--http", default="auto", choices=("auto", "h11", "httptools"))
    add("--loop", default="auto", choices=("auto", "asyncio", "uvloop"))
    add("--flush-s", type=float, help="What-if: the hub's coalescing window.")
    add("--py-spy", type=Path, help="py-spy the server, children too.")
    add(
        "--cameras",
        choices=("none", "demo"),
        default="none",
        help="demo: the server also runs the demo site's cameras.",
    )
    return parser


def main() -> None:
    """Run the scenarios, each `--repeat` times."""
    cli = parser()
    args = cli.parse_args()
    names = args.scenarios.split(",")
    for name in names:
        if name not in SCENARIOS:
            cli.error(f"unknown scenario {name!r} (choose from {', '.join(SCENARIOS)})")
    if importlib.util.find_spec("websockets") is None:
        cli.error("WS /api/events needs the websockets package (uvicorn[standard] brings it)")
    mqtt = any(name.startswith("mqtt") for name in names)
    if mqtt and args.mqtt_client == "mosquitto_pub" and shutil.which("mosquitto_pub") is None:
        cli.error("no mosquitto_pub: install mosquitto-clients, or use --mqtt-client aiomqtt")
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
        uvicorn=Uvicorn(args.http, args.loop, args.flush_s),
        py_spy=args.py_spy,
        cameras=args.cameras,
    )
    for _ in range(args.repeat):
        for name in names:
            note(f"alarms: {name}")
            run_scenario(name, opts)


if __name__ == "__main__":
    main()
