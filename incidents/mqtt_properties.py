"""paho's MQTT 5 properties without rebuilding paho's lookup tables for every message.

paho decodes each MQTT 5 PUBLISH into a fresh `Properties`, whose constructor builds three
tables (names, types, which property fits which packet) and whose `unpack` first walks all 27
names to clear them: about 12 µs a message, a fifth of a feed's whole cost at ten thousand alarms
a second, for packets that usually carry no property at all. `SharedTableProperties` is the same
class with the tables built once and shared (paho only reads them) and a `clear` that looks only
at what the instance holds. `use_shared_tables` makes paho's PUBLISH decoder use it; it touches
one paho 2.x internal (`paho.mqtt._packet.Properties`), which a test holds to account.
"""

from __future__ import annotations

from typing import Any

from paho.mqtt import _packet
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

# The attributes paho keeps on an instance for its own use; every other one is a property.
_OWN = frozenset(("packetType", "types", "names", "properties"))


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
