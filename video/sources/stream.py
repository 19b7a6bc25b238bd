"""Files, RTSP and HTTP streams decoded with PyAV (FFmpeg); files are paced to real time.

Network sources are bounded in time twice over: FFmpeg's own socket timeouts (see
`ffmpeg_options`) and PyAV's interrupt callback (`timeout=(open, read)`), which also covers
what no socket timeout does, such as probing a stream that connects but never sends a picture.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import av

from video.sources.base import Image, SourceError
from video.sources.reasons import describe, open_failure, read_failure
from video.sources.urls import ffmpeg_options

# Opening includes FFmpeg's probe of the stream (up to 5 s of it by default for a slow
# camera), so it gets more time than the wait for one packet once streaming.
OPEN_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 5.0


class StreamSource:
    """Decodes a camera URL with FFmpeg; files loop and are paced as if live."""

    def __init__(
        self,
        url: str,
        fps: float,
        *,
        loop: bool,
        open_timeout_s: float = OPEN_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
    ) -> None:
        self.nominal_fps = fps
        self._url = url
        self._loop = loop
        self._open_timeout_s = open_timeout_s
        self._read_timeout_s = read_timeout_s
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
        started = time.monotonic()
        try:
            return av.open(
                self._url,
                options=ffmpeg_options(self._url, self._read_timeout_s),
                timeout=(self._open_timeout_s, self._read_timeout_s),
            )
        except (av.FFmpegError, OSError) as exc:
            elapsed = time.monotonic() - started
            reason = open_failure(exc, self._url, elapsed, self._open_timeout_s)
            raise SourceError(f"cannot open stream: {reason}") from exc

    def _decode(self) -> Iterator[Image]:
        self._container = self._open()
        stream = _video_stream(self._container)
        self._clock_start, self._pts_start = time.monotonic(), None
        try:
            yield from self._pictures(stream)
        except (av.FFmpegError, OSError) as exc:
            raise SourceError(read_failure(exc, self._read_timeout_s)) from exc

    def _pictures(self, stream: Any) -> Iterator[Image]:
        decoded_at = time.monotonic()
        damage: str | None = None
        for packet in self._container.demux(stream):
            try:
                frames = packet.decode()
            except av.InvalidDataError as exc:
                # A damaged packet (a lost RTP packet, a torn JPEG) spoils a picture or two,
                # not the connection; a stream of nothing but damage is caught just below.
                frames, damage = [], describe(exc)
            for frame in frames:
                if self._loop:
                    self._pace(frame.time)
                yield frame.to_ndarray(format="bgr24")
                # Stamped after the consumer returns, so its own time is never held against us.
                decoded_at = time.monotonic()
            if not frames and time.monotonic() - decoded_at > self._read_timeout_s:
                raise SourceError(
                    f"no picture decoded for {self._read_timeout_s:g} s: "
                    f"{damage or 'the data does not decode'}"
                )

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


def _video_stream(container: Any) -> Any:
    """The first video stream, decoded as FFmpeg does by default (csu.runtime_tuning)."""
    try:
        stream = container.streams.video[0]
    except IndexError:
        raise SourceError("no video stream in source") from None
    if stream.codec_context is None:
        # FFmpeg demuxed a stream it cannot decode (e.g. an RTSP camera announcing a codec
        # this build lacks); every packet would fail alike, so say so once, plainly.
        raise SourceError("unsupported video codec: no decoder for it in FFmpeg")
    return stream
