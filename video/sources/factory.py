"""Choose the source for a camera URL."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from video.sources.base import FrameSource, SourceError
from video.sources.demo import DemoSource
from video.sources.stream import StreamSource


def open_source(url: str, fps: float) -> FrameSource:
    """A frame source for a camera URL (demo://, file:, rtsp(s)://, http(s):// incl. MJPEG)."""
    parts = urlsplit(url)
    if parts.scheme == "demo":
        try:
            return DemoSource(parts.netloc or parts.path.strip("/"), fps)
        except (ValueError, OSError) as exc:  # unknown scene, or its demo photo is missing
            raise SourceError(str(exc)) from exc
    if parts.scheme == "file":
        # File URLs are percent-encoded (a space is %20; the site file forbids a literal one).
        path = unquote(parts.path)
        if parts.netloc not in ("", "localhost"):
            path = f"//{parts.netloc}{path}"
        return StreamSource(path, fps, loop=True)
    if parts.scheme in ("rtsp", "rtsps", "http", "https"):
        return StreamSource(url, fps, loop=False)
    raise SourceError(f"unsupported source scheme '{parts.scheme}'")
