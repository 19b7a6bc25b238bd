"""Frame sources: demo scenes, video files, RTSP and HTTP streams."""

from video.sources.base import FrameSource, SourceError
from video.sources.factory import open_source

__all__ = ["FrameSource", "SourceError", "open_source"]
