"""What the encoding stage hands out: H.264 packets on the 90 kHz video clock, with wall times.

Live view sends them as they are, the recorder muxes them, evidence reads them back from the
segment files: all three count time in these ticks.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import av

    # PyAV's Packet is generic only in its stubs; at run time it cannot be subscripted.
    EncodedPacket: TypeAlias = av.Packet[Any]

# RTP's video clock: packets carry pts in it, so aiortc converts nothing, and MPEG-TS uses it too.
TICKS_PER_SECOND = 90_000
VIDEO_TIME_BASE = Fraction(1, TICKS_PER_SECOND)


@dataclass(frozen=True)
class TimedPacket:
    """An encoded packet with the wall time of its frame (epoch seconds)."""

    packet: EncodedPacket
    pts: int
    keyframe: bool
    wall: float
