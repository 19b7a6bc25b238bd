"""Live view: encode each camera rendition once, fan the packets out to WHEP viewers."""

from video.live.broadcast import BroadcastPool
from video.live.encoder import EncoderSettings, FrameProvider, H264Stream, SharedEncoder
from video.live.offer import InvalidOffer, check_offer
from video.live.sessions import (
    CameraNotFound,
    LiveError,
    LiveService,
    LiveSession,
    NotSessionOwner,
    RenditionUnavailable,
    SessionLimits,
    SessionNotFound,
    TooManySessions,
    rendition_provider,
)
from video.live.track import PacketTrack

__all__ = [
    "BroadcastPool",
    "CameraNotFound",
    "EncoderSettings",
    "FrameProvider",
    "H264Stream",
    "InvalidOffer",
    "LiveError",
    "LiveService",
    "LiveSession",
    "NotSessionOwner",
    "PacketTrack",
    "RenditionUnavailable",
    "SessionLimits",
    "SessionNotFound",
    "SharedEncoder",
    "TooManySessions",
    "check_offer",
    "rendition_provider",
]
