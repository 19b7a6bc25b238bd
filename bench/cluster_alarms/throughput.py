"""Throughput end to end (MQTT and HTTP load, receipt to console), and the engine alone."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from bench.alarms.console import Console, Frames
from bench.alarms.load_http import HttpPlan, HttpResult, http_load
from bench.alarms.load_mqtt import MqttPlan, MqttResult, mqtt_load
from bench.alarms.measure import CpuWatch, load_averages, pct
from bench.alarms.payloads import Payloads
from bench.alarms.server import Child, spawn
from bench.alarms.stored import marks, monotonic_offset, stage_times, wait_stored
from bench.cluster_alarms.stack import Stack, emit, spy, token, watch


def throughput(stack: Stack, url: str, opts: argparse.Namespace) -> None:
    """Drive the load, then time every measured payload from receipt to the console."""
    nodes = stack.api_nodes()
    tokens = {n.name: token(n) for n in nodes}
    console = Console(nodes[-1].url, tokens[nodes[-1].name])  # where the leader (api1) is not
    after = marks(url)
    start = time.monotonic()
    children = start_loads(stack, opts, tokens)
    extra = {name: child.pid for name, child in children.items()}
    cpu = watch(stack, console=console.child.pid, **extra)
    spies = [spy(opts.py_spy, n, opts.warmup + opts.seconds) for n in nodes if opts.py_spy]
    results = {name: child.conn.recv() for name, child in children.items()}
    for profiler in spies:
        profiler.wait(60)
    sent = sum(_sent(r) for r in results.values())
    found = wait_stored(url, sent, after, stall_s=15.0, poll_s=0.5)
    time.sleep(0.5)
    frames = console.close()
    cpu.stop()
    _report_throughput(opts, url, start, frames, cpu, results, sent, found)


def start_loads(stack: Stack, opts: argparse.Namespace, tokens: dict[str, str]) -> dict[str, Child]:
    """The MQTT publisher and one HTTP load process a node, as the options ask."""
    run = uuid.uuid4().hex[:8]
    children = {}
    if opts.rate:
        total = int(opts.rate * (opts.warmup + opts.seconds))
        plan = MqttPlan(
            stack.broker, stack.topic, f"{run}m", opts.rate, total,
            int(opts.rate * opts.warmup), 1, 200, "mosquitto_pub",
        )  # fmt: skip
        children["mqtt"] = spawn(mqtt_load, plan)
    nodes = stack.api_nodes()
    for i, node in enumerate(nodes if opts.http_rate else []):
        plan_h = HttpPlan(
            node.url, tokens[node.name], f"{run}h",
            opts.http_rate / len(nodes), opts.warmup, opts.seconds, 32, i, len(nodes),
        )  # fmt: skip
        children[f"http-{node.name}"] = spawn(http_load, plan_h)
    return children


def _sent(result: MqttResult | HttpResult) -> int:
    if isinstance(result, MqttResult):
        return len(result.messages)
    return sum(1 for r in result.requests if r.status < 300)


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
    push, engine, first, last = _push_times(url, frames, start + opts.warmup)
    measured = len(push)
    wall = last - first if first is not None else 0.0
    achieved = measured / wall if wall > 0 else 0.0
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
        **_http_figures([r for r in results.values() if isinstance(r, HttpResult)]),
        backlog_s=round(last - (start + opts.warmup + opts.seconds), 2),
        cores=cpu.cores(first or start, last),
        load=load_averages(),
        meets_rate=achieved >= 10_000 * 0.98,
        meets_p99=(pct(push, 99) or 1e9) < 100,
    )


def _push_times(
    url: str, frames: Frames, warm_until: float
) -> tuple[list[float], list[float], float | None, float]:
    """Receipt to push and to the engine's batch of each payload received after the warm-up,
    the first such receipt and the last push."""
    offset = monotonic_offset()
    received, handled = stage_times(url)
    push, engine, first, last = [], [], None, 0.0
    for rank, raw_id in enumerate(sorted(received), start=1):
        at = received[raw_id] - offset
        if at < warm_until:
            continue
        pushed = frames.pushed_at(rank)
        first = at if first is None else min(first, at)
        if pushed is not None:
            push.append(pushed - at)
            last = max(last, pushed)
        if raw_id in handled:
            engine.append(handled[raw_id] - offset - at)
    return push, engine, first, last


def _http_figures(results: list[HttpResult]) -> dict[str, Any]:
    requests = [r for result in results for r in result.requests]
    answers = [r.done - r.planned for r in requests if not r.warm and r.status < 300]
    statuses: dict[int, int] = {}
    for r in requests:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    return {
        "http_statuses": statuses,
        "http_answer_p50_ms": pct(answers, 50),
        "http_answer_p99_ms": pct(answers, 99),
    }


def drain(stack: Stack, url: str, opts: argparse.Namespace) -> None:
    """The engine's own pace: `--drain` payloads put straight into the alarm stream (by this
    process, as fast as JetStream takes them), timed from the console's first push to the push
    that completes them; no API node receives anything meanwhile."""
    watcher = stack.api_nodes()[-1]
    console = Console(watcher.url, token(watcher))
    after = marks(url)
    cpu = watch(stack)
    spies = [spy(opts.py_spy, n, 12, "drain") for n in stack.api_nodes()[:1] if opts.py_spy]
    published = asyncio.run(_put_straight(stack.nats_url, uuid.uuid4().hex[:8], opts.drain))
    found = wait_stored(url, opts.drain, after, stall_s=15.0, poll_s=0.5)
    for profiler in spies:
        profiler.wait(60)
    time.sleep(0.5)
    frames = console.close()
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
        load=load_averages(),
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
