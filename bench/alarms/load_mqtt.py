"""MQTT load: a child process that publishes csu-JSON alarms, one a message, in a fixed order.

By default Debian's `mosquitto_pub -l` (mosquitto-clients, in C), fed one single-line alarm a line
on its stdin, every FEED_S what is due or, flat out, as its PUBACKs (read from its `-d` output)
free the window; per alarm it takes a third (paced) to a seventh (flat out) of the CPU of the
alternative, one aiomqtt publisher. Payloads are made before the clock starts and stamped
(`occurred_at`) as they go. Closing its stdin makes it publish the rest and leave; its count of
PUBACKs must equal the lines written.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import NamedTuple
from urllib.parse import urlsplit

import psutil

from bench.alarms.measure import cpu_seconds
from bench.alarms.payloads import RESEND_EVERY, Payloads, now_iso

MQTT_CLIENTS = ("mosquitto_pub", "aiomqtt")
FEED_S = 0.002  # paced, mosquitto_pub is given what is due this often (fewer wake-ups)


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


class Message(NamedTuple):
    """One message: which alarm, whether a re-send, when planned and when handed to the client."""

    n: int
    resend: bool
    planned: float
    published: float


@dataclass
class MqttResult:
    """The messages in publish order, and the load client's CPU once measuring."""

    messages: list[Message] = field(default_factory=list)
    cpu_s: float = 0.0  # from the first measured message until all were published
    child_cpu_s: float = 0.0  # of which mosquitto_pub's


class Scheduled(NamedTuple):
    """A message made before the clock starts: its alarm cut around the timestamp."""

    n: int
    resend: bool
    head: bytes
    tail: bytes


def mqtt_schedule(plan: MqttPlan) -> list[Scheduled]:
    """The messages in publish order; every RESEND_EVERY-th re-sends one about a second older."""
    payloads = Payloads(plan.run)
    resend_lag = max(2000, int(plan.rate or 10_000))
    schedule = []
    for k in range(plan.count):
        resend = k % RESEND_EVERY == RESEND_EVERY - 1 and k > resend_lag
        n = k - resend_lag if resend else k
        schedule.append(Scheduled(n, resend, *payloads.parts(n, resend=resend)))
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
    command = ["mosquitto_pub", "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 1883)]
    command += ["-i", f"bench-pub-{plan.run}", "-q", str(plan.qos), "-M", str(plan.window)]
    command += ["-t", plan.topic, "-l", "-d"]
    schedule = mqtt_schedule(plan)
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    publisher = psutil.Process(proc.pid)
    log = PubLog(proc.stdout.fileno(), plan.qos)
    result = MqttResult()
    try:
        cpu0 = _feed(plan, schedule, proc, publisher, log, result)
    except BrokenPipeError:
        cpu0 = None  # it exited early: said below
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()  # at the end of its stdin it publishes the rest, then disconnects
    done = log.join()
    # Read its CPU once it has exited but before it is reaped, while /proc still has it.
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
    child_cpu = cpu_seconds(publisher, reaped=False)
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


def _feed(
    plan: MqttPlan,
    schedule: list[Scheduled],
    proc: subprocess.Popen[bytes],
    publisher: psutil.Process,
    log: PubLog,
    result: MqttResult,
) -> tuple[float, float] | None:
    """Write the lines as they fall due; (own, mosquitto_pub's) CPU at the first measured one."""
    assert proc.stdin is not None
    cpu0 = None
    # mosquitto_pub reads stdin once connected (it looks every 100 ms); lines wait in the pipe.
    t0 = time.monotonic() + 0.2
    k = 0
    while k < plan.count:
        if plan.rate:
            time.sleep(max(FEED_S, t0 + k / plan.rate - time.monotonic()))
            due = min(plan.count, int((time.monotonic() - t0) * plan.rate) + 1)
        else:
            log.wait_below(k, plan.window)
            due = min(plan.count, log.done + plan.window)
        if log.closed:
            break  # it exited early: the caller says so
        if due <= k:
            continue
        if cpu0 is None and due > plan.warmup:
            cpu0 = (time.process_time(), cpu_seconds(publisher, reaped=False))
        stamp = now_iso()
        chunk = b"".join(s.head + stamp + s.tail + b"\n" for s in schedule[k:due])
        flat = time.monotonic()
        proc.stdin.write(chunk)
        proc.stdin.flush()
        written = time.monotonic()
        for j in range(k, due):
            planned = t0 + j / plan.rate if plan.rate else flat
            result.messages.append(Message(schedule[j].n, schedule[j].resend, planned, written))
        k = due
    return cpu0


async def _aiomqtt_load(plan: MqttPlan) -> MqttResult:
    import aiomqtt

    url = urlsplit(plan.broker)
    schedule = mqtt_schedule(plan)
    result = MqttResult()
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
        for k, scheduled in enumerate(schedule):
            if k == plan.warmup:
                cpu0 = time.process_time()
            if plan.rate:
                planned = t0 + k / plan.rate
                if (delay := planned - time.monotonic()) > 0.001:
                    await asyncio.sleep(delay)
                await window.acquire()
            else:
                await window.acquire()
                planned = time.monotonic()
            result.messages.append(
                Message(scheduled.n, scheduled.resend, planned, time.monotonic())
            )
            task = asyncio.create_task(publish(scheduled.head + now_iso() + scheduled.tail))
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
