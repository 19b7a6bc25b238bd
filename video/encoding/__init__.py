"""Encoding: each camera rendition encoded once to H.264, its packets fanned out to live view and
recording alike."""

from video.encoding.broadcast import BroadcastPool, Feed, ThreadSink, ViewerTrack
from video.encoding.encoder import EncoderSettings, H264Stream, SharedEncoder
from video.encoding.packets import TICKS_PER_SECOND, VIDEO_TIME_BASE, TimedPacket

__all__ = [
    "TICKS_PER_SECOND",
    "VIDEO_TIME_BASE",
    "BroadcastPool",
    "EncoderSettings",
    "Feed",
    "H264Stream",
    "SharedEncoder",
    "ThreadSink",
    "TimedPacket",
    "ViewerTrack",
]
