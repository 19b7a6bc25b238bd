"""A JetStream pull consumer that outlives reconnects, server restarts and a lost stream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from csu.backoff import Backoff

log = logging.getLogger(__name__)

# How long one fetch waits for messages: the longest a stop waits for the loop to notice.
FETCH_WAIT_S = 1.0
# A pull from a consumer that is gone (a server restarted on a blank store) only ever times out,
# so an idle loop asks whether its consumer still exists this often.
CHECK_IDLE_S = 5.0
# A consumer made again starts this long before it was last known alive: clocks differ, and
# an event twice is better than an event lost.
_OVERLAP = timedelta(seconds=2)
_RETRY = Backoff(initial_s=0.2, maximum_s=5.0)


@dataclass(frozen=True)
class PullTarget:
    """Which consumer to read: its stream, durable name, subject filter and configuration."""

    stream: str
    durable: str
    subject: str
    config: ConsumerConfig
    batch: int = 64


class PullLoop:
    """Fetches from one durable consumer and hands each message to `handle`, in order.

    `handle` acknowledges (or not) itself. A fetch that fails for any reason other than "nothing
    new" drops the subscription; the next turn makes the stream and the consumer again if they
    are gone (a server that lost its store) and binds anew. A consumer made again delivers from
    the moment the lost one was last known alive, not by its first deliver policy.
    """

    def __init__(
        self,
        js: JetStreamContext,
        target: PullTarget,
        *,
        handle: Callable[[Msg], Awaitable[None]],
        ensure_stream: Callable[[], Awaitable[None]],
        wait_connected: Callable[[], Awaitable[None]],
    ) -> None:
        self.target = target
        self._js = js
        self._handle = handle
        self._ensure_stream = ensure_stream
        self._wait_connected = wait_connected
        self._sub: JetStreamContext.PullSubscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._rng = random.Random()
        self._alive_at = datetime.now(UTC)
        self._checked = time.monotonic()
        self._lost = False
        # The server's ack wait, which an existing consumer keeps whatever this node asked for.
        self.ack_wait_s = target.config.ack_wait

    async def start(self) -> None:
        """Create the consumer if missing and bind to it (errors raise), then start fetching."""
        self._sub = await self._subscribe()
        self._task = asyncio.create_task(self._run(), name=f"bus-pull:{self.target.durable}")

    async def stop(self) -> None:
        """Stop fetching after the message in hand; the consumer stays on the server."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._drop()

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        t = self.target
        config = replace(t.config)  # nats-py fills in the one it is given
        if self._lost:
            config = replace(
                config,
                deliver_policy=DeliverPolicy.BY_START_TIME,
                opt_start_time=self._alive_at - _OVERLAP,
            )
        sub = await self._js.pull_subscribe(
            t.subject, durable=t.durable, stream=t.stream, config=config
        )
        self._lost = False
        held = (await sub.consumer_info()).config.ack_wait
        if held is not None and held != t.config.ack_wait:
            log.warning(
                "consumer %s: the server's ack wait is %.1f s, not %.1f s as configured here",
                t.durable, held, t.config.ack_wait,
            )  # fmt: skip
        self.ack_wait_s = held
        return sub

    async def _drop(self) -> None:
        sub, self._sub = self._sub, None
        if sub is not None:
            with contextlib.suppress(NatsError, TimeoutError, ValueError):
                await sub.unsubscribe()

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                messages = await self._fetch()
            except TimeoutError:  # nothing new
                await self._check_when_idle()
                continue
            except (NatsError, OSError, ValueError) as exc:
                log.warning("consumer %s: %s; binding again", self.target.durable, exc)
                await self._drop()
                await asyncio.sleep(_RETRY.delay(attempt, self._rng))
                attempt += 1
                continue
            attempt = 0
            self._alive_at = datetime.now(UTC)
            for msg in messages:
                try:
                    await self._handle(msg)
                except (NatsError, OSError) as exc:
                    # Mostly an acknowledgement lost with the connection: redelivered later.
                    log.warning("consumer %s: message not settled: %s", self.target.durable, exc)
                except Exception:
                    # A fault of ours must not end the consumer: the message comes back later.
                    log.exception("consumer %s: message handling failed", self.target.durable)

    async def _fetch(self) -> list[Msg]:
        await self._wait_connected()
        if self._sub is None:
            await self._ensure_stream()
            self._sub = await self._subscribe()
        return await self._sub.fetch(self.target.batch, timeout=FETCH_WAIT_S)

    async def _check_when_idle(self) -> None:
        if time.monotonic() - self._checked < CHECK_IDLE_S:
            return
        self._checked = time.monotonic()
        t = self.target
        try:
            await self._js.consumer_info(t.stream, t.durable)
        except NotFoundError:
            log.warning("consumer %s is gone; making it again", t.durable)
            self._lost = True
            await self._drop()
            return
        except (NatsError, TimeoutError):
            return  # the server is away: the next check will tell
        self._alive_at = datetime.now(UTC)
