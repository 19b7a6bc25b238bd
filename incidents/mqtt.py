"""MQTT alarm feeds: one subscriber per `alarm_sources` entry of kind mqtt, reconnecting forever."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import aiomqtt

from csu.config import AlarmSourceConfig
from incidents.engine import IncidentEngine
from incidents.parsing import Channel, Submission

log = logging.getLogger(__name__)

# Above this many queued payloads the subscriber waits for the engine: the broker buffers the
# rest (QoS 1, persistent session) instead of csu's memory. A stock Mosquitto keeps only 1,000
# queued messages per client and drops the rest, so csu takes a storm of several tens of thousands
# itself (about 1 KB each) before leaning on the broker.
MAX_PENDING = 50_000


@dataclass
class FeedStatus:
    """What an administrator needs to see of a feed."""

    source_id: str
    connected: bool = False
    received: int = 0
    last_error: str | None = None
    connected_at: datetime | None = None


class MqttFeed:
    """Subscribes to one broker topic and hands every message to the incident engine."""

    def __init__(
        self,
        source: AlarmSourceConfig,
        engine: IncidentEngine,
        *,
        client_id: str | None = None,
        max_backoff_s: float = 30.0,
    ) -> None:
        if source.url is None or source.topic is None:
            raise ValueError(f"alarm source {source.id} is not an MQTT feed")
        self.source = source
        self.status = FeedStatus(source.id)
        self._engine = engine
        self._client_id = client_id or f"csu-{source.id}"
        self._max_backoff = max_backoff_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start subscribing in the background."""
        self._task = asyncio.create_task(self._run(), name=f"mqtt-{self.source.id}")

    async def stop(self) -> None:
        """Disconnect."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                await self._session()
                attempt = 0
            except aiomqtt.MqttError as exc:
                self.status.last_error = str(exc)
                if self.status.connected:
                    attempt = 0
                    log.warning("MQTT feed %s lost: %s", self.source.id, exc)
            self.status.connected = False
            ceiling = min(self._max_backoff, 0.5 * 2 ** min(attempt, 10))
            await asyncio.sleep(random.uniform(ceiling / 2, ceiling))
            attempt += 1

    async def _session(self) -> None:
        url = urlsplit(self.source.url or "")
        # A persistent session with QoS 1: the broker keeps what arrives while csu reconnects.
        client = aiomqtt.Client(
            url.hostname or "127.0.0.1",
            url.port or (8883 if url.scheme == "mqtts" else 1883),
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            identifier=self._client_id,
            clean_session=False,
            tls_context=ssl.create_default_context() if url.scheme == "mqtts" else None,
            timeout=10,
        )
        acks = StoredAcks(client) if self.source.ack == "stored" else None
        try:
            async with client:
                await client.subscribe(self.source.topic or "#", qos=1)
                self.status.connected, self.status.last_error = True, None
                self.status.connected_at = datetime.now(UTC)
                log.info("MQTT feed %s subscribed to %s", self.source.id, self.source.topic)
                async for message in client.messages:
                    on_stored = acks.later(message.mid) if acks and message.qos > 0 else None
                    await self._hand_over(str(message.topic), message.payload, on_stored)
        finally:
            if acks is not None:
                acks.close()  # the broker sends again what this session left unacknowledged

    async def _hand_over(
        self, topic: str, payload: object, on_stored: Callable[[], None] | None
    ) -> None:
        body = payload if isinstance(payload, bytes) else str(payload).encode()
        while self._engine.pending() > MAX_PENDING:
            await asyncio.sleep(0.01)
        # No answer awaited: the engine batches; the raw payload is stored before it is parsed.
        self._engine.feed(
            Submission(
                channel=Channel.MQTT,
                body=body,
                received_at=datetime.now(UTC),
                content_type="application/json",
                source_hint=topic,
                on_stored=on_stored,
            )
        )
        self.status.received += 1


class StoredAcks:
    """Acknowledges each QoS 1 message only once the engine has committed its raw payload.

    paho acknowledges on receipt unless told otherwise, and aiomqtt does not expose the switch,
    so the paho client inside is set to manual acknowledgement before it connects (messages a
    persistent session holds arrive right after the connection).
    """

    def __init__(self, client: aiomqtt.Client) -> None:
        self._paho = client._client
        self._paho.manual_ack_set(True)
        self._loop = asyncio.get_running_loop()
        self._open = True

    def later(self, mid: int) -> Callable[[], None]:
        """The callback the engine's thread runs once message `mid` is stored."""

        def stored() -> None:
            if not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self._ack, mid)

        return stored

    def close(self) -> None:
        """This connection is over: acknowledgements still to come would go to the next one."""
        self._open = False

    def _ack(self, mid: int) -> None:
        if self._open:
            self._paho.ack(mid, 1)
