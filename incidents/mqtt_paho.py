"""paho-mqtt tuned for a feed's hot path: ten thousand messages a second on a fraction of a core.

Measured per message at that rate, stock paho spends more on bookkeeping than on the message:
- each MQTT 5 PUBLISH is decoded into a fresh `Properties`, whose constructor builds three lookup
  tables and whose `unpack` walks all 27 property names to clear them (about 8 µs of 11);
- each packet is read with three or four `recv` calls (its first byte, its length a byte at a
  time, its body) and one more that finds the socket empty;
- each PUBACK goes out with a `send` of its own.
So `SharedTableProperties` builds the tables once and shares them (paho only reads them),
`FeedClient` reads the socket 64 KB at a time and hands paho its bytes from that buffer, and
writes a run of queued PUBACKs as one packet. Each touches a paho 2.x internal
(`_packet.Properties`, `Client._sock_recv`, `Client._packet_write` and its `_out_packet` queue);
tests hold each to account, and the package is pinned below 3.
"""

from __future__ import annotations

from typing import Any

import paho.mqtt.client as paho
from paho.mqtt import _packet
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

# The attributes paho keeps on an instance for its own use; every other one is a property.
_OWN = frozenset(("packetType", "types", "names", "properties"))
READ_SIZE = 65536


def _tables() -> dict[str, Any]:
    stock = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    return {name: getattr(stock, name) for name in ("types", "names", "properties")}


_TABLES = _tables()


class SharedTableProperties(Properties):
    """paho's `Properties`, its lookup tables shared by every instance."""

    def __init__(self, packetType: int) -> None:
        # Straight into the instance dict: Properties.__setattr__ checks every name it is given.
        self.__dict__.update(_TABLES, packetType=packetType)

    def clear(self) -> None:
        """Drop every property held (paho's walks all 27 names)."""
        for name in [n for n in self.__dict__ if n not in _OWN]:
            del self.__dict__[name]


def use_shared_tables() -> None:
    """Make paho decode PUBLISH properties into `SharedTableProperties` (idempotent)."""
    _packet.Properties = SharedTableProperties  # type: ignore[attr-defined]


class FeedClient(paho.Client):
    """paho's client, reading the socket in large chunks and writing PUBACKs together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inbox = b""  # read off the socket, not yet handed to paho
        self._inbox_at = 0
        self._inbox_sock: object = None  # the socket it was read from

    def buffered(self) -> int:
        """Bytes read off the socket and not yet decoded: select() on the socket cannot see them."""
        if self._sock is None or self._sock is not self._inbox_sock:
            return 0
        return len(self._inbox) - self._inbox_at

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._sock is not self._inbox_sock:  # a new connection: what is left belongs to none
            self._inbox, self._inbox_at, self._inbox_sock = b"", 0, self._sock
        if self._inbox_at >= len(self._inbox):
            data = super()._sock_recv(max(bufsize, READ_SIZE))
            if not data:
                return data  # the connection closed
            self._inbox, self._inbox_at = data, 0
        start = self._inbox_at
        self._inbox_at = min(start + bufsize, len(self._inbox))
        return self._inbox[start : self._inbox_at]

    def _packet_write(self) -> MQTTErrorCode:
        _merge_leading_acks(self._out_packet)
        return super()._packet_write()


def _merge_leading_acks(queue: Any) -> None:
    """Join the PUBACKs at the head of paho's out-queue, none of them begun, into one packet.

    paho handles a written PUBACK only by noting when it last wrote: the joined packet, still a
    PUBACK to it, needs nothing more. Other threads only append (acknowledgements), on the right.
    """
    run: list[Any] = []
    while queue and (queue[0]["command"] & 0xF0) == paho.PUBACK and queue[0]["pos"] == 0:
        run.append(queue.popleft())
    if len(run) > 1:
        body = b"".join(bytes(p["packet"]) for p in run)
        queue.appendleft({**run[0], "packet": body, "to_process": len(body)})
    elif run:
        queue.appendleft(run[0])
