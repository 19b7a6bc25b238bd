"""The alarm benchmark's HTTP load against a small keep-alive server in a thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import Pipe

import pytest

from bench.alarms.load_http import HttpPlan, HttpResult, http_load


class AlarmServer(ThreadingHTTPServer):
    """Answers every POST 202 with the next raw id, as csu does; keeps what it was sent."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), AlarmHandler)
        self.lock = threading.Lock()
        self.bodies: list[dict[str, object]] = []
        self.auth: set[str] = set()
        self.peers: set[tuple[str, int]] = set()


class AlarmHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server: AlarmServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.bodies.append(body)
            self.server.auth.add(self.headers["Authorization"])
            self.server.peers.add(self.client_address)
            answer = json.dumps({"raw_id": len(self.server.bodies)}).encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[AlarmServer]:
    alarms = AlarmServer()
    thread = threading.Thread(target=alarms.serve_forever, daemon=True)
    thread.start()
    yield alarms
    alarms.shutdown()
    alarms.server_close()


def run_load(server: AlarmServer, rate: float, connections: int) -> HttpResult:
    host, port = server.server_address[:2]
    plan = HttpPlan(f"http://{host!s}:{port}", "tok", "run1", rate, 0.3, 0.6, connections, 0, 1)
    receiving, sending = Pipe(duplex=False)
    http_load(plan, sending)
    result: HttpResult = receiving.recv()
    return result


@pytest.mark.timeout(60)
def test_paced_alarms_go_over_as_many_kept_alive_connections_as_asked(
    server: AlarmServer,
) -> None:
    result = run_load(server, rate=100.0, connections=4)
    requests = result.requests
    assert 80 <= len(requests) <= 90  # 100 a second for 0.9 s, each on its planned time
    assert {r.status for r in requests} == {202}
    assert sorted(r.raw_id for r in requests) == list(range(1, len(requests) + 1))
    assert len(server.peers) == 4 and server.auth == {"Bearer tok"}
    ids = [str(body["external_id"]) for body in server.bodies]
    assert len(set(ids)) == len(ids) and all(i.startswith("run1-") for i in ids)
    measured = [r for r in requests if not r.warm]
    assert measured and all(r.planned >= result.start for r in measured)
    assert all(r.sent <= r.done for r in requests)
    assert result.cpu_s > 0


@pytest.mark.timeout(60)
def test_at_rate_zero_each_connection_posts_as_soon_as_it_is_answered(
    server: AlarmServer,
) -> None:
    result = run_load(server, rate=0.0, connections=2)
    requests = result.requests
    assert len(requests) > 20 and {r.status for r in requests} == {202}
    assert all(r.sent - r.planned < 0.5 for r in requests)  # planned when it is sent
    assert len(server.peers) == 2
