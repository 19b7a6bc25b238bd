"""Live view: WHEP sessions whose tracks carry the shared encoders' packets to each viewer."""

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
)
from video.live.track import PacketTrack

__all__ = [
    "CameraNotFound",
    "InvalidOffer",
    "LiveError",
    "LiveService",
    "LiveSession",
    "NotSessionOwner",
    "PacketTrack",
    "RenditionUnavailable",
    "SessionLimits",
    "SessionNotFound",
    "TooManySessions",
    "check_offer",
]
