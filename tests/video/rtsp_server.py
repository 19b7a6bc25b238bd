"""A real RTSP server for tests: FFmpeg packetises a video as RTP, this serves it over RTSP/TCP.

FFmpeg's own RTSP muxer only pushes to a server (it has no listen mode for players), so the
RTSP conversation (OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN) is spoken here and the RTP packets
that an `ffmpeg -f rtp` child sends to local UDP ports are relayed to the client interleaved on
the RTSP connection, as a camera does for a client that asks for TCP transport.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Fault(Enum):
    """How the served stream misbehaves."""

    NONE = "none"
    UNKNOWN_CODEC = "unknown-codec"  # the SDP announces a codec no decoder knows
    CORRUPT = "corrupt"  # RTP payloads are random bytes


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Request:
    """One RTSP request's method and headers (names lowercased)."""

    method: str
    headers: dict[str, str]


def read_request(conn: socket.socket, buffer: bytearray) -> Request | None:
    """The next request on `conn`, skipping interleaved frames; None when the client left."""
    while True:
        if buffer[:1] == b"$" and len(buffer) >= 4:
            size = 4 + int.from_bytes(buffer[2:4], "big")
            if len(buffer) >= size:
                del buffer[:size]
                continue
        end = buffer.find(b"\r\n\r\n")
        if buffer[:1] != b"$" and end >= 0:
            head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
            del buffer[: end + 4]
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            return Request(head[0].split(" ")[0], headers)
        chunk = conn.recv(4096)
        if not chunk:
            return None
        buffer += chunk


@dataclass
class _Session:
    """One client connection and the FFmpeg child whose RTP it relays."""

    conn: socket.socket
    video: Path
    fault: Fault
    server: RtspServer
    rtp: socket.socket = field(default_factory=lambda: socket.socket(type=socket.SOCK_DGRAM))
    rtcp: socket.socket = field(default_factory=lambda: socket.socket(type=socket.SOCK_DGRAM))
    sender: subprocess.Popen[bytes] | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rtsp-")))
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    ended: threading.Event = field(default_factory=threading.Event)

    def serve(self) -> None:
        """Answer requests until the client leaves or the server stops."""
        buffer = bytearray()
        try:
            while not self.ended.is_set():
                request = read_request(self.conn, buffer)
                if request is None or not self._answer(request):
                    break
        except OSError:
            pass  # the server closed the connection under us
        finally:
            self.close()

    def close(self) -> None:
        """Kill the sender and drop the connection."""
        self.ended.set()
        if self.sender is not None:
            self.sender.kill()
            self.sender.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)
        for sock in (self.conn, self.rtp, self.rtcp):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _answer(self, request: Request) -> bool:
        cseq = request.headers.get("cseq", "0")
        if request.method == "DESCRIBE":
            sdp = self._start_sender().encode()
            extra = f"Content-Type: application/sdp\r\nContent-Base: {self.server.url}/\r\n"
            self._reply(cseq, extra, sdp)
        elif request.method == "SETUP":
            if "TCP" not in request.headers.get("transport", ""):
                self._reply(cseq, "", status="461 Unsupported Transport")
                return True
            transport = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
            self._reply(cseq, transport + "Session: 4711;timeout=60\r\n")
        elif request.method == "PLAY":
            self._reply(cseq, "Session: 4711\r\nRange: npt=0.000-\r\n")
            for channel, sock in ((0, self.rtp), (1, self.rtcp)):
                self.server.spawn(lambda c=channel, s=sock: self._relay(c, s))
        elif request.method == "TEARDOWN":
            self._reply(cseq, "Session: 4711\r\n")
            return False
        else:  # OPTIONS, GET_PARAMETER (keep-alive)
            self._reply(cseq, "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n")
        return True

    def _reply(self, cseq: str, headers: str, body: bytes = b"", status: str = "200 OK") -> None:
        head = f"RTSP/1.0 {status}\r\nCSeq: {cseq}\r\n{headers}Content-Length: {len(body)}\r\n\r\n"
        with self.send_lock:
            self.conn.sendall(head.encode() + body)

    def _start_sender(self) -> str:
        for sock in (self.rtp, self.rtcp):
            sock.bind(("127.0.0.1", 0))
            sock.settimeout(0.2)
        rtp_port, rtcp_port = self.rtp.getsockname()[1], self.rtcp.getsockname()[1]
        sdp_path = self.workdir / "stream.sdp"
        # -re: real time, as a camera; the video starts on a key frame, so no wait for one.
        command = [self.server.ffmpeg, "-hide_banner", "-loglevel", "error", "-re"]
        command += ["-stream_loop", "-1", "-i", str(self.video), "-an", "-c:v", "copy"]
        command += ["-f", "rtp", "-sdp_file", str(sdp_path)]
        command.append(f"rtp://127.0.0.1:{rtp_port}?rtcpport={rtcp_port}&pkt_size=1200")
        self.sender = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 5.0
        while not sdp_path.exists() or not sdp_path.read_text().strip():
            if time.monotonic() > deadline or self.sender.poll() is not None:
                raise RuntimeError("ffmpeg did not start the RTP stream")
            time.sleep(0.02)
        time.sleep(0.05)  # the SDP file is written in one go, but let it finish
        return self._rewrite_sdp(sdp_path.read_text())

    def _rewrite_sdp(self, sdp: str) -> str:
        # FFmpeg writes an SDP for plain RTP; RTSP clients want no address and a control URL.
        lines = []
        for line in sdp.strip().splitlines():
            if line.startswith("c=IN IP4"):
                line = "c=IN IP4 0.0.0.0"
            elif line.startswith("m=video"):
                line = "m=video 0 RTP/AVP 96"
            elif self.fault is Fault.UNKNOWN_CODEC and line.startswith("a=rtpmap:96"):
                line = "a=rtpmap:96 X-NOPE/90000"
            lines.append(line)
        lines.append("a=control:streamid=0")
        return "\r\n".join(lines) + "\r\n"

    def _relay(self, channel: int, sock: socket.socket) -> None:
        garble = random.Random(channel)
        while not self.ended.is_set():
            try:
                packet = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if self.server.stalled.is_set():
                continue  # a hung camera: the connection stays open, nothing arrives
            if self.fault is Fault.CORRUPT and channel == 0:
                packet = packet[:12] + garble.randbytes(len(packet) - 12)
            frame = b"$" + bytes([channel]) + len(packet).to_bytes(2, "big") + packet
            try:
                with self.send_lock:
                    self.conn.sendall(frame)
            except OSError:
                return


class RtspServer:
    """Serves one video at rtsp://127.0.0.1:PORT/cam to any number of clients, until stopped."""

    def __init__(
        self, video: Path, port: int, fault: Fault = Fault.NONE, *, ffmpeg: str = "ffmpeg"
    ) -> None:
        self.video = video
        self.ffmpeg = ffmpeg
        self.port = port
        self.fault = fault
        self.url = f"rtsp://127.0.0.1:{port}/cam"
        self.stalled = threading.Event()
        self._listener: socket.socket | None = None
        self._sessions: list[_Session] = []
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> RtspServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on the port (again, after stop) and serve clients on threads."""
        self.stalled.clear()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        self.spawn(lambda: self._accept(listener))

    def stop(self) -> None:
        """Stop listening, drop every client and kill every FFmpeg child."""
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        for session in self._sessions:
            session.close()
        for thread in self._threads:
            thread.join(5.0)
        # A client accepted while stopping got its session after the loop above: close it too.
        for session in self._sessions:
            session.close()
        self._sessions.clear()
        self._threads.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # stopped
            session = _Session(conn, self.video, self.fault, self)
            self._sessions.append(session)
            self.spawn(session.serve)

    def spawn(self, target: Callable[[], None]) -> None:
        """Run `target` on a thread that stop() waits for."""
        thread = threading.Thread(target=target, daemon=True)
        self._threads.append(thread)
        thread.start()
