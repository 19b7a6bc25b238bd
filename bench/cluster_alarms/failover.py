"""Failover: the leader killed under MQTT load; how long until the standby's engine runs."""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from typing import Any

from bench.alarms.console import Console
from bench.alarms.load_mqtt import MqttPlan, MqttResult, mqtt_load
from bench.alarms.measure import load_averages
from bench.alarms.server import spawn
from bench.alarms.stored import marks, wait_stored
from bench.cluster_alarms.stack import Stack, emit, leader, token, wait_for


def failover_round(stack: Stack, url: str, opts: argparse.Namespace) -> dict[str, Any]:
    """Kill the leader under MQTT load; how long until the standby leads and its engine runs."""
    nodes = stack.nodes
    tokens = {n.name: token(n) for n in stack.api_nodes()}
    lead = wait_for(lambda: leader(nodes.nodes["api1"], tokens["api1"]), 30, "a leader")
    standby = next(n for n in stack.api_nodes() if n.name != lead)
    console = Console(standby.url, tokens[standby.name])
    after = marks(url)
    count = int(opts.failover_rate * opts.failover_seconds)
    plan = MqttPlan(
        stack.broker, stack.topic, uuid.uuid4().hex[:8], opts.failover_rate, count, 0, 1, 200,
        "mosquitto_pub",
    )  # fmt: skip
    load = spawn(mqtt_load, plan)
    time.sleep(opts.kill_after)
    nodes.nodes[lead].kill()
    killed = time.monotonic()
    bearer = tokens[standby.name]
    wait_for(lambda: leader(standby, bearer) == standby.name, 60, "the standby leads")
    lease_s = time.monotonic() - killed
    nodes.api(lead)  # back, as a standby now
    result: MqttResult = load.conn.recv()
    load.process.join(5)
    found = wait_stored(url, len(result.messages), after, stall_s=15.0, poll_s=0.5)
    frames = console.close()
    pushes = [t for t in frames.times if t > killed + 0.3]
    sent = len(result.messages)
    return {
        "killed": lead,
        "rate": opts.failover_rate,
        "lease_s": round(lease_s, 2),
        "engine_s": round(pushes[0] - killed, 2) if pushes else None,
        "sent": sent,
        "lost": sent - found["raw"],
        "twice": max(0, found["raw"] - sent),
        "alarms_ok": found["alarms"] == len({m.n for m in result.messages}),
        "load": load_averages(),
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
