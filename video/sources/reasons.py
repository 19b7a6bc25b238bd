"""Why a stream failed, in words an operator can act on, never quoting the URL.

FFmpeg's exceptions print the URL they failed on, and a camera URL may carry a password, so
reasons are built from the error's own text (`strerror`) and what csu knows of the attempt.
"""

from __future__ import annotations

import errno
import socket
from urllib.parse import urlsplit

import av

from video.sources.urls import HTTP_SCHEMES, RTSP_SCHEMES


def describe(exc: BaseException) -> str:
    """FFmpeg's or the OS's words for `exc`, without the file name or URL it carries."""
    text = getattr(exc, "strerror", None)
    return str(text) if text else type(exc).__name__


def open_failure(exc: BaseException, url: str, elapsed_s: float, timeout_s: float) -> str:
    """Why opening `url` failed after `elapsed_s` seconds, given the open timeout."""
    # Our interrupt ends a hung open with "exit requested" or a demuxer's generic error,
    # neither of which says that the camera simply did not answer in time.
    if isinstance(exc, av.ExitError) or elapsed_s >= timeout_s:
        return f"no valid answer within {timeout_s:g} s"
    if getattr(exc, "errno", None) == errno.EIO:
        # FFmpeg reports a host it cannot resolve as a bare I/O error.
        return _unresolved_host(url) or describe(exc)
    return describe(exc)


def read_failure(exc: BaseException, timeout_s: float) -> str:
    """Why a stream that was playing failed."""
    if isinstance(exc, av.ExitError | TimeoutError):
        return f"no data for {timeout_s:g} s"
    return f"stream error: {describe(exc)}"


def _unresolved_host(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in RTSP_SCHEMES | HTTP_SCHEMES or not parts.hostname:
        return None
    try:
        socket.getaddrinfo(parts.hostname, None)
    except (socket.gaierror, UnicodeError) as exc:
        return f"cannot resolve host {parts.hostname!r} ({describe(exc)})"
    return None
