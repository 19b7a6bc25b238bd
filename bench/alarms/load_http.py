"""HTTP load: a child process that posts csu-JSON alarms over keep-alive connections (aiohttp).

aiohttp is the maintained client with the least CPU a request. Against a bare keep-alive server
on this 2-core machine, back to back over 16 connections: aiohttp 90 us, httpcore alone 360 us,
httpx 700 us (a hand-made asyncio-streams client, 30 us). Paced as here, each request wakes the
loop on its own and costs more: at 300 a second over 16 connections, aiohttp 0.75-0.85 ms
(httpx 1.35, hand-made 0.4); at 1,500 over 128, 0.3-0.4 ms (httpx 0.9-1.0, hand-made 0.18).
At a load average of 2-4, `--scenarios http --http-rate 1500 --connections 128` offered 560-580
alarms a second with httpx, 1,350-1,500 with aiohttp on 0.4-0.5 of a core. Past that the load
takes cores the server would have: give it processes of its own (`--http-procs`) and read
`client_cores` beside the figures.

Paced (open loop: each request has a planned send time, and latency counts from it, so a server
that falls behind is not hidden) or, with rate 0, as fast as answers come back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import NamedTuple

import aiohttp

from bench.alarms.payloads import RESEND_EVERY, Payloads


@dataclass(frozen=True)
class HttpPlan:
    """What one HTTP load process sends."""

    url: str  # the node's base URL
    token: str
    run: str
    rate: float  # per second for this process; 0 = as fast as answers come
    warmup_s: float
    seconds: float
    connections: int
    index: int  # this process's share of external ids: index, index + procs, ...
    procs: int


class Request(NamedTuple):
    """One request: which alarm, whether measured, its times (monotonic) and the answer."""

    n: int
    resend: bool
    warm: bool  # sent in the warm-up, not measured
    planned: float
    sent: float
    done: float
    status: int
    raw_id: int  # the stored payload's id, its rank in the engine's order


@dataclass
class HttpResult:
    """One process's requests, and its CPU from the first measured request on."""

    requests: list[Request] = field(default_factory=list)
    cpu_s: float = 0.0
    start: float = 0.0


@dataclass(frozen=True)
class Clock:
    """When sending starts, when measuring starts, when it ends (monotonic)."""

    start: float
    measure: float
    end: float


class Picker:
    """The next payload: a new alarm, or every RESEND_EVERY-th a re-send of one answered over a
    second ago (the newest such)."""

    def __init__(self, plan: HttpPlan) -> None:
        self._plan = plan
        self._payloads = Payloads(plan.run)
        self._answered: deque[tuple[float, int]] = deque()  # (done, n) of new alarms
        self._count = 0

    def next(self, now: float) -> tuple[int, bool, bytes]:
        """(n, resend, body) of the next request."""
        k, self._count = self._count, self._count + 1
        if k % RESEND_EVERY == RESEND_EVERY - 1:
            answered = self._answered
            while len(answered) > 1 and answered[1][0] < now - 1.0:
                answered.popleft()
            if answered and answered[0][0] < now - 1.0:
                n = answered.popleft()[1]
                return n, True, self._payloads.alarm(n, resend=True)
        n = self._plan.index + k * self._plan.procs
        return n, False, self._payloads.alarm(n)

    def answered(self, done: float, n: int) -> None:
        """A new alarm was accepted: it may be re-sent a second later."""
        self._answered.append((done, n))


def http_load(plan: HttpPlan, conn: Connection) -> None:
    """Child process: post alarms for warm-up + seconds; send back every request's timing."""
    conn.send(asyncio.run(_http_load(plan)))


async def _http_load(plan: HttpPlan) -> HttpResult:
    start = time.monotonic() + 0.2
    clock = Clock(start, start + plan.warmup_s, start + plan.warmup_s + plan.seconds)
    result = HttpResult(start=clock.measure)
    picker = Picker(plan)
    headers = {"Authorization": f"Bearer {plan.token}", "Content-Type": "application/json"}
    async with contextlib.AsyncExitStack() as stack:
        # One session of one connection for each sender, so that the server holds `connections`
        # connections at any rate: a shared pool opens one only when all it has are busy.
        sessions = [
            await stack.enter_async_context(
                aiohttp.ClientSession(
                    plan.url,
                    headers=headers,
                    connector=aiohttp.TCPConnector(limit=1),
                    timeout=aiohttp.ClientTimeout(total=60.0),
                )
            )
            for _ in range(plan.connections)
        ]
        # The client's CPU counts from the first measured request, as the server's does.
        cpu0 = [time.process_time()]
        asyncio.get_running_loop().call_at(clock.measure, lambda: cpu0.append(time.process_time()))
        senders = (
            _sender(session, plan, clock, picker, result.requests, i)
            for i, session in enumerate(sessions)
        )
        await asyncio.gather(*senders)
        result.cpu_s = time.process_time() - cpu0[-1]
    return result


async def _sender(
    session: aiohttp.ClientSession,
    plan: HttpPlan,
    clock: Clock,
    picker: Picker,
    out: list[Request],
    offset: int,
) -> None:
    """One connection's requests, one at a time, each at its planned time (or at once)."""
    planned = clock.start + offset / max(plan.rate, 1.0)
    while True:
        now = time.monotonic()
        if plan.rate:
            planned += plan.connections / plan.rate
            if planned >= clock.end:
                return
            if planned > now:
                await asyncio.sleep(planned - now)
        else:
            planned = now
            if now >= clock.end:
                return
        n, resend, body = picker.next(now)
        sent = time.monotonic()
        async with session.post("/api/alarms", data=body) as response:
            answer = await response.read()
        done = time.monotonic()
        status = response.status
        raw_id = int(json.loads(answer).get("raw_id", 0)) if status < 500 else 0
        if not resend and status < 300:
            picker.answered(done, n)
        out.append(Request(n, resend, planned < clock.measure, planned, sent, done, status, raw_id))
