"""One viewer's end of the fan-out: an aiortc track that hands out already-encoded packets."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from video.encoding import Feed

if TYPE_CHECKING:
    from video.encoding.packets import EncodedPacket

# About 0.4 s at 25 fps: a viewer further behind than this is better served by a fresh keyframe.
DEFAULT_CAPACITY = 10


class PacketTrack(MediaStreamTrack):
    """A video track fed with shared H.264 packets; lives on the event loop, never blocks feeders.

    The first packet out is always a keyframe. When the queue is full the viewer is lagging: the
    queued packets are dropped and it resumes at the next keyframe (and asks for one), so a slow
    viewer loses pictures instead of delaying the encoder or anyone else.
    """

    kind = "video"

    def __init__(self, *, capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__()
        self.capacity = capacity
        self.delivered = 0
        self.dropped = 0
        self._feed: Feed | None = None
        self._queue: deque[EncodedPacket] = deque()
        self._ready = asyncio.Event()
        self._synced = False

    def follow(self, feed: Feed) -> None:
        """Ask this feed for keyframes, and leave it when the track stops."""
        self._feed = feed

    def deliver(self, packet: EncodedPacket) -> None:
        """Queue a packet for this viewer (call on the event loop)."""
        if self.readyState != "live":
            return
        if len(self._queue) >= self.capacity:
            self.dropped += len(self._queue)
            self._queue.clear()
            self._synced = False
        if not self._synced:
            if not packet.is_keyframe:
                self.dropped += 1
                self._ask_keyframe()
                return
            self._synced = True
        self._queue.append(packet)
        self._ready.set()

    def pending(self) -> int:
        """Packets waiting to be sent."""
        return len(self._queue)

    async def recv(self) -> EncodedPacket:
        """The next packet; raises MediaStreamError once the track is stopped."""
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        self.delivered += 1
        return self._queue.popleft()

    def stop(self) -> None:
        """End the track: wake a waiting `recv`, and tell the fan-out to forget this viewer."""
        if self.readyState != "live":
            return
        feed, self._feed = self._feed, None
        super().stop()
        self._queue.clear()
        self._ready.set()
        if feed is not None:
            feed.leave()

    def _ask_keyframe(self) -> None:
        if self._feed is not None:
            self._feed.request_keyframe()
