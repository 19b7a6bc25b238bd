"""A local HTTP camera for tests: multipart/x-mixed-replace JPEG frames, as IP cameras serve.

Frames are a shared video's first seconds, JPEG-encoded with OpenCV once and then sent in a
loop at the camera's rate; every response ends by itself after `max_seconds`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2

from video.sources.base import Image

BOUNDARY = "csuframe"


@dataclass(frozen=True)
class Style:
    """How the camera writes its stream; real cameras differ in these details."""

    content_type: str = f"multipart/x-mixed-replace; boundary={BOUNDARY}"
    content_length: bool = True  # a Content-Length header in each part


def encode_video(path: Path, count: int) -> tuple[list[Image], list[bytes]]:
    """The first `count` frames of a video and their JPEG encodings."""
    capture = cv2.VideoCapture(str(path))
    frames: list[Image] = []
    try:
        while len(frames) < count:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(frame)
    finally:
        capture.release()
    jpegs = [bytes(cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 90])[1]) for f in frames]
    return frames, jpegs


class MjpegServer:
    """Serves `jpegs` at http://127.0.0.1:PORT/video.mjpg (404 elsewhere) until stopped."""

    def __init__(
        self, jpegs: list[bytes], fps: float, style: Style = Style(), max_seconds: float = 20.0
    ) -> None:
        self.jpegs, self.fps, self.style, self.max_seconds = jpegs, fps, style, max_seconds
        self.stopped = threading.Event()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/video.mjpg"

    def __enter__(self) -> MjpegServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(5.0)

    def part(self, index: int) -> bytes:
        """One multipart part: boundary, headers and the JPEG of frame `index`."""
        jpeg = self.jpegs[index % len(self.jpegs)]
        head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
        if self.style.content_length:
            head += f"Content-Length: {len(jpeg)}\r\n"
        return head.encode() + b"\r\n" + jpeg + b"\r\n"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if not self.path.startswith("/video.mjpg"):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", server.style.content_type)
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                server.stream(self)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        return Handler

    def stream(self, handler: BaseHTTPRequestHandler) -> None:
        """Send parts at the camera's rate until the client leaves or time is up."""
        start = time.monotonic()
        index = 0
        while not self.stopped.is_set() and time.monotonic() - start < self.max_seconds:
            try:
                handler.wfile.write(self.part(index))
                handler.wfile.flush()
            except OSError:
                return  # the client went away
            index += 1
            self.stopped.wait(max(0.0, start + index / self.fps - time.monotonic()))
