"""What FFmpeg needs to be told about a camera URL before opening it."""

from __future__ import annotations

from urllib.parse import urlsplit

RTSP_SCHEMES = frozenset({"rtsp", "rtsps"})
HTTP_SCHEMES = frozenset({"http", "https"})


def ffmpeg_options(url: str, read_timeout_s: float) -> dict[str, str]:
    """FFmpeg input options for `url`: RTP over TCP for RTSP, socket timeouts for networks."""
    micros = str(round(read_timeout_s * 1_000_000))
    scheme = urlsplit(url).scheme.lower()
    if scheme in RTSP_SCHEMES:
        # RTP interleaved on the RTSP connection: UDP is blocked by NAT and firewalls and loses
        # packets under load. Since FFmpeg 5 the RTSP demuxer's `timeout` is the socket I/O
        # timeout in microseconds, connect included (it replaced `stimeout`, which FFmpeg 8
        # ignores silently); the generic `rw_timeout` never reaches the RTSP connection.
        return {"rtsp_transport": "tcp", "timeout": micros}
    if scheme in HTTP_SCHEMES:
        # The HTTP protocol's socket I/O timeout (microseconds), passed down to its TCP connect.
        # No `format`: FFmpeg picks the demuxer from the Content-Type and the first bytes, so
        # multipart MJPEG (mpjpeg), MPEG-TS, FLV and HLS cameras all open from a plain URL.
        return {"timeout": micros}
    return {}
