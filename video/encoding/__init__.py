"""Encoding: each camera rendition encoded once to H.264, its packets fanned out to live view and
recording alike."""

from video.encoding.broadcast import BroadcastPool, Feed, ThreadSink, ViewerTrack
from video.encoding.encoder import (
    VIDEO_TIME_BASE,
    EncoderSettings,
    FrameProvider,
    H264Stream,
    ProviderLookup,
    SharedEncoder,
)

__all__ = [
    "VIDEO_TIME_BASE",
    "BroadcastPool",
    "EncoderSettings",
    "Feed",
    "FrameProvider",
    "H264Stream",
    "ProviderLookup",
    "SharedEncoder",
    "ThreadSink",
    "ViewerTrack",
]
