"""Files, RTSP and HTTP streams decoded with PyAV (FFmpeg), paced to real time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import av

from video.sources.base import Image, SourceError


class StreamSource:
    """Decodes a camera URL with FFmpeg; files loop and are paced as if live."""

    def __init__(self, url: str, fps: float, *, loop: bool, timeout_s: float = 5.0) -> None:
        self.nominal_fps = fps
        self._url = url
        self._loop = loop
        self._timeout_s = timeout_s
        self._closed = threading.Event()
        # Held while decoding: the FFmpeg container is only touched by the thread holding it.
        self._lock = threading.Lock()
        self._container: Any = None
        self._frames: Iterator[Image] | None = None
        self._clock_start = 0.0
        self._pts_start: float | None = None

    def read(self) -> Image:
        """The next decoded frame as BGR, paced by its timestamp for files."""
        try:
            with self._lock:
                return self._next_frame()
        finally:
            if self._closed.is_set():
                self._release_if_idle()

    def close(self) -> None:
        """Stop decoding and release FFmpeg; safe to call from any thread.

        FFmpeg must not be closed under a decode running on another thread (it crashes the
        process), so a read in progress releases the stream itself when it returns.
        """
        self._closed.set()
        self._release_if_idle()

    def _next_frame(self) -> Image:
        if self._closed.is_set():
            raise SourceError("source closed")
        while True:
            fresh = self._frames is None
            if self._frames is None:
                self._frames = self._decode()
            try:
                return next(self._frames)
            except StopIteration:
                self._release()
                if not self._loop:
                    raise SourceError("end of stream") from None
                if fresh:
                    # Reopening a source that yields no frame at all would spin forever.
                    raise SourceError("no frames in source") from None
            if self._closed.is_set():
                raise SourceError("source closed")

    def _release_if_idle(self) -> None:
        if self._lock.acquire(blocking=False):
            try:
                self._release()
            finally:
                self._lock.release()

    def _open(self) -> Any:
        options = {
            "rtsp_transport": "tcp",
            "stimeout": str(int(self._timeout_s * 1e6)),
            "timeout": str(int(self._timeout_s * 1e6)),
            "rw_timeout": str(int(self._timeout_s * 1e6)),
        }
        if not self._url.startswith(("rtsp", "http")):
            options = {}
        try:
            return av.open(self._url, options=options, timeout=self._timeout_s)
        except (av.FFmpegError, OSError) as exc:
            raise SourceError(f"cannot open stream: {exc}") from exc

    def _decode(self) -> Iterator[Image]:
        self._container = self._open()
        try:
            stream = self._container.streams.video[0]
        except IndexError:
            raise SourceError("no video stream in source") from None
        stream.thread_type = "AUTO"
        self._clock_start, self._pts_start = time.monotonic(), None
        try:
            for frame in self._container.decode(stream):
                if self._loop:
                    self._pace(frame.time)
                yield frame.to_ndarray(format="bgr24")
        except (av.FFmpegError, OSError) as exc:
            raise SourceError(f"stream error: {exc}") from exc

    def _pace(self, pts_s: float | None) -> None:
        # Files decode far faster than real time; hold each frame until its presentation time.
        if pts_s is None:
            self._closed.wait(1.0 / self.nominal_fps)
            return
        if self._pts_start is None:
            self._pts_start = pts_s
        delay = self._clock_start + (pts_s - self._pts_start) - time.monotonic()
        if delay > 0:
            self._closed.wait(delay)

    def _release(self) -> None:
        self._frames = None
        if self._container is not None:
            try:
                self._container.close()
            finally:
                self._container = None
