"""The fan-out: one shared encoder per (camera, rendition), running while anyone needs it.

Viewers (WebRTC tracks on the event loop) come and go; thread sinks (the recorder) subscribe for
as long as they like and keep the encoder running, so live view and recording share one encode.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from privacy.renditions import Rendition
from video.encoding.encoder import EncoderSettings, SharedEncoder
from video.ingest import FrameProvider

if TYPE_CHECKING:
    from video.encoding.packets import EncodedPacket

log = logging.getLogger(__name__)

BroadcastKey = tuple[str, Rendition]
# Called on the encoder thread with each packet and its frame's wall time: must never block.
ThreadSink = Callable[["EncodedPacket", float], None]


@dataclass(frozen=True)
class Feed:
    """A viewer's line back to its broadcast."""

    # Makes an upcoming frame an IDR (a viewer that lost packets resumes at the next one).
    request_keyframe: Callable[[], None]
    # Stops feeding this viewer; the encoder stops after the grace period if nobody needs it.
    leave: Callable[[], None]


class ViewerTrack(Protocol):
    """A consumer on the event loop (a WebRTC track): takes packets in order, never blocks."""

    def follow(self, feed: Feed) -> None:
        """Keep the feed this viewer is attached to: ask it for keyframes, leave it at the end."""
        ...

    def deliver(self, packet: EncodedPacket) -> None:
        """Take one packet (on the event loop)."""
        ...

    def stop(self) -> None:
        """End: the broadcast is going away."""
        ...


class Broadcast:
    """A running encoder and the viewers it feeds (touched only on the event loop)."""

    def __init__(
        self,
        key: BroadcastKey,
        provider: FrameProvider,
        settings: EncoderSettings,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.key = key
        self.viewers: set[ViewerTrack] = set()
        # Replaced, never mutated: the encoder thread iterates whichever tuple it last read.
        self.sinks: tuple[ThreadSink, ...] = ()
        self.idle_timer: asyncio.TimerHandle | None = None
        self.loop = loop
        camera_id, rendition = key
        self.encoder = SharedEncoder(
            f"{camera_id}-{rendition.value}", provider, self._from_encoder_thread, settings
        )

    def distribute(self, packet: EncodedPacket) -> None:
        """Give one packet to every viewer."""
        for viewer in tuple(self.viewers):
            viewer.deliver(packet)

    @property
    def idle(self) -> bool:
        """True when neither a viewer nor a sink needs the encoder."""
        return not self.viewers and not self.sinks

    def _from_encoder_thread(self, packet: EncodedPacket) -> None:
        if self.sinks:
            wall = self.encoder.wall_time(int(packet.pts or 0))
            for sink in self.sinks:
                sink(packet, wall)
        # One loop wake-up per packet, whatever the number of viewers; none when nobody watches
        # (a viewer joining in between asks for a keyframe, so it misses nothing it could use).
        if self.viewers:
            self.loop.call_soon_threadsafe(self.distribute, packet)


class BroadcastPool:
    """Starts an encoder when the first viewer or sink of a rendition arrives, stops it after
    the last.

    The encoder keeps running for `grace_s` after the last one leaves, so a viewer that
    reconnects (or a wall that swaps tiles) does not pay the encoder start again.
    """

    def __init__(self, settings: EncoderSettings | None = None, *, grace_s: float = 5.0) -> None:
        self._settings = settings or EncoderSettings()
        self._grace_s = grace_s
        self._broadcasts: dict[BroadcastKey, Broadcast] = {}
        self._stopping: set[asyncio.Task[None]] = set()

    def attach(
        self, camera_id: str, rendition: Rendition, provider: FrameProvider, viewer: ViewerTrack
    ) -> None:
        """Feed `viewer` on the event loop from this rendition's encoder, starting it if needed."""
        key = (camera_id, rendition)
        broadcast = self._acquire(key, provider)
        broadcast.viewers.add(viewer)
        viewer.follow(Feed(broadcast.encoder.request_keyframe, lambda: self._detach(key, viewer)))
        # A joining viewer needs an IDR to start decoding; without one it waits up to a second.
        broadcast.encoder.request_keyframe()

    def subscribe(
        self, camera_id: str, rendition: Rendition, provider: FrameProvider, sink: ThreadSink
    ) -> None:
        """Feed `sink` every packet of this rendition until unsubscribed (starts the encoder)."""
        broadcast = self._acquire((camera_id, rendition), provider)
        broadcast.sinks = (*broadcast.sinks, sink)
        broadcast.encoder.request_keyframe()

    def unsubscribe(self, camera_id: str, rendition: Rendition, sink: ThreadSink) -> None:
        """Stop feeding `sink`; the encoder stops after the grace period if nobody else needs it."""
        key = (camera_id, rendition)
        broadcast = self._broadcasts.get(key)
        if broadcast is None:
            return
        broadcast.sinks = tuple(s for s in broadcast.sinks if s is not sink)
        self._idle_later(key, broadcast)

    def encoder_count(self) -> int:
        """Encoders currently running."""
        return len(self._broadcasts)

    def viewer_count(self, camera_id: str, rendition: Rendition) -> int:
        """Viewers attached to one rendition."""
        broadcast = self._broadcasts.get((camera_id, rendition))
        return len(broadcast.viewers) if broadcast else 0

    def encoder(self, camera_id: str, rendition: Rendition) -> SharedEncoder | None:
        """The running encoder of one rendition, if any (for metrics and tests)."""
        broadcast = self._broadcasts.get((camera_id, rendition))
        return broadcast.encoder if broadcast else None

    async def stop(self) -> None:
        """Stop every encoder now, without grace (threads joined off the loop)."""
        for viewer in [v for b in self._broadcasts.values() for v in b.viewers]:
            viewer.stop()
        for key in list(self._broadcasts):
            self._retire(key)
        if self._stopping:
            await asyncio.gather(*self._stopping)

    def _acquire(self, key: BroadcastKey, provider: FrameProvider) -> Broadcast:
        """The running broadcast of `key` (started if needed), kept from retiring."""
        broadcast = self._broadcasts.get(key)
        if broadcast is None:
            broadcast = Broadcast(key, provider, self._settings, asyncio.get_running_loop())
            self._broadcasts[key] = broadcast
            broadcast.encoder.start()
            log.info("encoder started: %s %s", key[0], key[1].value)
        if broadcast.idle_timer is not None:
            broadcast.idle_timer.cancel()
            broadcast.idle_timer = None
        return broadcast

    def _detach(self, key: BroadcastKey, viewer: ViewerTrack) -> None:
        broadcast = self._broadcasts.get(key)
        if broadcast is None:
            return
        broadcast.viewers.discard(viewer)
        self._idle_later(key, broadcast)

    def _idle_later(self, key: BroadcastKey, broadcast: Broadcast) -> None:
        if broadcast.idle and broadcast.idle_timer is None:
            broadcast.idle_timer = broadcast.loop.call_later(
                self._grace_s, self._retire_if_idle, key
            )

    def _retire_if_idle(self, key: BroadcastKey) -> None:
        broadcast = self._broadcasts.get(key)
        if broadcast is not None and broadcast.idle:
            self._retire(key)

    def _retire(self, key: BroadcastKey) -> None:
        broadcast = self._broadcasts.pop(key)
        if broadcast.idle_timer is not None:
            broadcast.idle_timer.cancel()
        # Joining the thread blocks for up to one frame wait: never on the loop.
        task = asyncio.create_task(asyncio.to_thread(broadcast.encoder.stop))
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)
        log.info("encoder stopped: %s %s", key[0], key[1].value)
