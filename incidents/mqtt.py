"""MQTT alarm feeds: one subscriber per `alarm_sources` entry of kind mqtt, reconnecting forever.

Each feed is a paho-mqtt client driven by a thread of its own through paho's external-loop calls
(loop_read, loop_write, loop_misc), with no event loop. That thread alone touches the socket: an
acknowledgement from the engine's thread is queued in paho and the thread woken to write it. Per
message: paho's read of the packet, one Submission handed to the engine, and the PUBACK.
paho's own thread (loop_start) would cost a socketpair write and read per PUBACK besides, and
could wait for the engine only inside a callback. Only paho's public API is used.

A source with a `share_group` subscribes to `$share/<group>/<topic>` (MQTT 5 shared
subscription): the broker hands each message to one of the group's clients, so several API nodes
split one feed. Each node then needs a client id of its own, kept across restarts (the broker
keeps the node's persistent session, and what it queued for it, under that id): csu-<source>-<node>.
"""

from __future__ import annotations

import contextlib
import logging
import random
import select
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from csu.backoff import Backoff
from csu.config import AlarmSourceConfig
from incidents.parsing import MAX_PAYLOAD_BYTES, Channel, Submission, too_large

log = logging.getLogger(__name__)

# Above this many queued payloads the subscriber waits for the engine: the broker buffers the
# rest (QoS 1, persistent session) instead of csu's memory. A stock Mosquitto keeps only 1,000
# queued messages per client and drops the rest, so csu takes a storm of several tens of thousands
# itself (about 1 KB each) before leaning on the broker.
MAX_PENDING = 50_000
KEEPALIVE_S = 60
# MQTT 5: how many unacknowledged messages the broker may send ahead. Mosquitto's 3.1.1 default
# is 20, which caps a feed at 20 per round trip; a stored acknowledgement waits for a commit.
# The protocol's largest: what the broker has sent counts as in flight, not against its queue of
# 1,000 per client (Mosquitto's default), which a storm faster than csu overflowed at 5,000
# (5,651 of 75,000 lost flat out in bench.alarms; none at 65,535).
RECEIVE_MAXIMUM = 65_535
# MQTT 5: how long the broker keeps csu's session (and what arrives for it) while csu is away.
SESSION_EXPIRY_S = 7 * 24 * 3600
# A member of a share group, shorter: Mosquitto (2.0) goes on dealing the group's messages to an
# offline member's session and never deals them again to the others, so a node that never comes
# back would take its share of a week with it. Ten minutes covers a restart or a reboot; past
# that the broker drops the session and the live members get everything.
SHARE_SESSION_EXPIRY_S = 10 * 60
_BATCH = 64  # packets read per wake-up before their acknowledgements are written
_IDLE_S = 1.0  # longest select(): paho's keepalive (loop_misc) runs at least this often
_HOLD_POLL_S = 0.01
_JSON = "application/json"


def session_properties(source: AlarmSourceConfig) -> Properties:
    """CONNECT properties of an MQTT 5 feed: a lasting session, a wide in-flight window."""
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    shared = source.share_group is not None
    properties.SessionExpiryInterval = SHARE_SESSION_EXPIRY_S if shared else SESSION_EXPIRY_S
    properties.ReceiveMaximum = RECEIVE_MAXIMUM
    return properties


def feed_client_id(source: AlarmSourceConfig, node: str | None = None) -> str:
    """The feed's MQTT client id: csu-<source>, or csu-<source>-<node> in a share group.

    `node` defaults to this machine's name: two nodes of one group on one machine must name
    themselves.
    """
    if source.share_group is None:
        return f"csu-{source.id}"
    return f"csu-{source.id}-{node or socket.gethostname()}"


def subscription(source: AlarmSourceConfig) -> str:
    """The topic filter subscribed to: the source's, behind $share/<group>/ in a share group."""
    assert source.topic is not None
    if source.share_group is None:
        return source.topic
    return f"$share/{source.share_group}/{source.topic}"


class AlarmSink(Protocol):
    """What a feed hands messages to: the incident engine, or a stand-in."""

    def feed(self, submission: Submission) -> None: ...

    def pending(self) -> int: ...


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
        engine: AlarmSink,
        *,
        client_id: str | None = None,
        node: str | None = None,
        backoff: Backoff | None = None,
        keepalive_s: int = KEEPALIVE_S,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        ack_stored: bool = False,
    ) -> None:
        """`ack_stored` acknowledges every message once stored whatever the source's `ack`
        says: a cluster's node, whose store is the alarm stream."""
        if source.url is None or source.topic is None:
            raise ValueError(f"alarm source {source.id} is not an MQTT feed")
        self.source = source
        self.status = FeedStatus(source.id)
        self._engine = engine
        self._topic = subscription(source)
        self._backoff = backoff or Backoff()
        self._rng = random.Random()
        self._keepalive = keepalive_s
        self._max_payload = max_payload_bytes
        self._manual_ack = ack_stored or source.ack == "stored"
        # Taken by acknowledgements (engine thread), connection changes (feed thread) and stop():
        # an acknowledgement is queued only while the connection that brought the message is open.
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._live: int | None = None  # number of the open connection; None between two
        self._connections = 0
        self._attempt = 0
        self._woken = False
        self._wake_r: socket.socket | None = None  # wakes the feed's thread (a socket pair)
        self._wake_w: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.client_id = client_id or feed_client_id(source, node)
        self._client = self._make_client(self.client_id)

    def start(self) -> None:
        """Connect and subscribe on the feed's own thread; returns at once."""
        self._stopping.clear()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_w.setblocking(False)
        self._thread = threading.Thread(target=self._run, name=f"mqtt-{self.source.id}")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        """Disconnect and end the feed's thread; it may block a few seconds (a connect)."""
        with self._lock:
            self._stopping.set()
            self._live = None
        self._wake()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        for end in (self._wake_r, self._wake_w):
            if end is not None:
                end.close()
        self._wake_r = self._wake_w = None
        self.status.connected = False

    def _make_client(self, client_id: str) -> paho.Client:
        url = urlsplit(self.source.url or "")
        # A persistent session with QoS 1: the broker keeps what arrives while csu reconnects.
        if self.source.mqtt_version == "5":
            client = paho.Client(
                CallbackAPIVersion.VERSION2,
                client_id=client_id,
                protocol=paho.MQTTv5,
                manual_ack=self._manual_ack,
            )
        else:
            client = paho.Client(
                CallbackAPIVersion.VERSION2,
                client_id=client_id,
                clean_session=False,
                manual_ack=self._manual_ack,
            )
        if url.username:
            password = unquote(url.password) if url.password else None
            client.username_pw_set(unquote(url.username), password)
        if url.scheme == "mqtts":
            client.tls_set_context(ssl.create_default_context())
        # With these set, paho only queues what another thread sends (it would write it there).
        client.on_socket_register_write = _ignore
        client.on_socket_unregister_write = _ignore
        client.on_connect = self._guarded(self._on_connect)
        client.on_subscribe = self._guarded(self._on_subscribe)
        client.on_disconnect = self._guarded(self._on_disconnect)
        client.on_message = self._guarded(self._on_message)
        return client

    def _guarded(self, callback: Callable[..., None]) -> Callable[..., None]:
        """The callback, logging what it raises: paho's read would stop half-way."""

        def run(*args: Any) -> None:
            try:
                callback(*args)
            except Exception:
                log.exception("MQTT feed %s: %s failed", self.source.id, callback.__name__)

        return run

    def _run(self) -> None:
        """Connect, serve the connection until it closes, wait, again until stopped."""
        url = urlsplit(self.source.url or "")
        port = url.port or (8883 if url.scheme == "mqtts" else 1883)
        host = url.hostname or "127.0.0.1"
        if self.source.mqtt_version == "5":
            self._client.connect_async(
                host,
                port,
                keepalive=self._keepalive,
                clean_start=False,
                properties=session_properties(self.source),
            )
        else:
            self._client.connect_async(host, port, keepalive=self._keepalive)
        while not self._stopping.is_set():
            with self._lock:
                self._live = None  # paho drops what is still queued when it reconnects
            try:
                self._client.reconnect()
            except OSError as exc:
                self.status.last_error = str(exc) or type(exc).__name__
            else:
                try:
                    self._serve()
                except Exception:
                    log.exception("MQTT feed %s failed; reconnecting", self.source.id)
                    self._close()
                    self.status.connected = False
            if not self._stopping.is_set():
                self._back_off()

    def _serve(self) -> None:
        """Read, write and keep alive one connection until it closes or the feed stops."""
        client, wake = self._client, self._wake_r
        assert wake is not None  # set by start()
        while (sock := client.socket()) is not None:
            if self._stopping.is_set():
                client.disconnect()
                client.loop_write()  # the DISCONNECT; paho closes the socket once it is out
                self._close()
                return
            holding = self._holding()
            readers = [wake] if holding else [sock, wake]
            writers = [sock] if client.want_write() else []
            # Decrypted bytes TLS holds already: select() on the socket cannot see them.
            buffered = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
            timeout = 0.0 if buffered else _HOLD_POLL_S if holding else _IDLE_S
            readable, _, _ = select.select(readers, writers, [], timeout)
            if wake in readable:
                self._woken = False
                wake.recv(4096)
            if (sock in readable or buffered) and not holding:
                self._read()
            if client.socket() is not None and client.want_write():
                client.loop_write()
            if client.socket() is not None:
                # paho's keepalive, holding or not. A hold reads nothing, not even the PINGRESP,
                # so one that lasts past two keepalives (the engine stuck that long) ends with
                # paho closing the connection: the feed connects again, and the broker sends
                # again what it never had acknowledged, from the session it kept.
                client.loop_misc()

    def _holding(self) -> bool:
        """True while the engine is behind: nothing more is read (the broker keeps it).

        Held from the CONNACK on (a persistent session's backlog may follow it at once), never
        before it: a connection whose CONNACK is never read would be closed by paho's keepalive.
        """
        return self._live is not None and self._engine.pending() > MAX_PENDING

    def _read(self) -> None:
        """Read up to _BATCH packets, while they come and the engine keeps up."""
        client = self._client
        for _ in range(_BATCH):
            if self._holding():
                return
            received = self.status.received
            if client.loop_read() or client.socket() is None:
                return
            if self.status.received == received:
                return  # nothing more to read (or a packet that is not a message)

    def _close(self) -> None:
        """Close a socket paho left open (a DISCONNECT that could not be written)."""
        sock = self._client.socket()
        if sock is not None:
            sock.close()

    def _wake(self) -> None:
        self._woken = True
        end = self._wake_w  # stop() may close it meanwhile
        if end is not None:
            with contextlib.suppress(OSError):
                end.send(b"\0")

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        try:
            topic: str | None = message.topic
        except UnicodeDecodeError:  # a broker that lets it through; the payload is kept anyway
            topic = None
        on_stored = None
        if self._manual_ack and message.qos > 0:
            on_stored = partial(self._ack, self._live, message.mid)
        body = bytes(message.payload)  # bytes already: the same object, no copy
        if len(body) > self._max_payload:
            # paho has read it all (MQTT allows 256 MB); only its start is kept, refused.
            submission = too_large(
                Channel.MQTT,
                body,
                size=len(body),
                limit=self._max_payload,
                content_type=_JSON,
                source_hint=topic,
            )
            submission = replace(submission, on_stored=on_stored)
        else:
            submission = Submission(
                channel=Channel.MQTT,
                body=body,
                received_at=datetime.now(UTC),
                content_type=_JSON,
                source_hint=topic,
                on_stored=on_stored,
            )
        # No answer awaited: the engine batches; the raw payload is stored before it is parsed.
        self._engine.feed(submission)
        self.status.received += 1

    def _ack(self, connection: int | None, mid: int) -> None:
        """Acknowledge `mid` (engine thread) if the connection that brought it is still open.

        A message id belongs to one connection: after a reconnect the broker sends again what
        was left unacknowledged, under the same id.
        """
        with self._lock:
            if connection is None or connection != self._live:
                return
            self._client.ack(mid, 1)
        if not self._woken:
            self._wake()

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            self.status.last_error = f"refused by the broker: {reason}"
            return
        with self._lock:
            self._connections += 1
            self._live = self._connections
        client.subscribe(self._topic, qos=1)

    def _on_subscribe(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        if any(r.is_failure for r in reasons):
            self.status.last_error = f"subscription to {self._topic} refused: {reasons[0]}"
            log.error("MQTT feed %s: %s", self.source.id, self.status.last_error)
            return
        self._attempt = 0
        self.status.connected, self.status.last_error = True, None
        self.status.connected_at = datetime.now(UTC)
        log.info("MQTT feed %s subscribed to %s", self.source.id, self._topic)

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        with self._lock:
            self._live = None  # acknowledgements still to come would go to the next connection
        was_connected, self.status.connected = self.status.connected, False
        if self._stopping.is_set():
            return
        if was_connected:
            self._attempt = 0
            log.warning("MQTT feed %s lost: %s", self.source.id, reason)
        if was_connected or self.status.last_error is None:
            self.status.last_error = f"connection lost: {reason}"

    def _back_off(self) -> None:
        """Wait before the next attempt, as the feed's backoff says."""
        delay = self._backoff.delay(self._attempt, self._rng)
        self._attempt += 1
        self._stopping.wait(delay)


def _ignore(client: paho.Client, userdata: Any, sock: Any) -> None:
    """A socket callback with nothing to do."""
