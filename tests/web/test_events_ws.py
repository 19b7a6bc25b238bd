"""WS /api/events: consoles get alarms and incident changes live, coalesced, by right."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.web.conftest import login
from tests.web.test_alarms_api import csu_alarm
from web.hub import FLUSH_S


def _receive_until(ws: Any, predicate: Any, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Messages until one satisfies the predicate (a reader thread keeps the deadline)."""
    got: list[dict[str, Any]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            message = json.loads(ws.receive_text())
            got.append(message)
            if predicate(message):
                done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert done.wait(timeout), f"no matching message in {timeout} s; got {got[-5:]}"
    return got


def test_an_alarm_reaches_the_console_without_reload(client: TestClient) -> None:
    """Posting an alarm pushes the alarm and its new incident to a connected console."""
    headers = login(client, "operator")
    with client.websocket_connect("/api/events", headers=headers) as ws:
        client.post("/api/alarms", json=csu_alarm("WS-1"), headers=headers)
        got = _receive_until(ws, lambda m: m["type"] == "incident")
    alarms = [m for m in got if m["type"] == "alarms"]
    assert alarms and alarms[0]["alarms"][0]["external_id"] == "WS-1"
    incident = next(m for m in got if m["type"] == "incident")
    assert incident["change"] == "opened" and incident["incident"]["cameras"] == ["cam-street"]


def test_the_socket_needs_a_login(client: TestClient) -> None:
    """Without a token or cookie the handshake is refused."""
    client.cookies.clear()
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/api/events") as ws,
    ):
        ws.receive_text()
    assert refused.value.code == 1008


def test_a_burst_yields_few_console_frames(client: TestClient) -> None:
    """200 alarms in a burst reach a console as a bounded number of coalesced frames."""
    headers = login(client, "operator")
    with client.websocket_connect("/api/events", headers=headers) as ws:
        started = time.monotonic()
        for n in range(200):
            client.post(
                "/api/alarms", json=csu_alarm(f"B-{n}", type="lighting.lamp_off"), headers=headers
            )
        seen: dict[str, int] = {"total": 0}

        def counted(message: dict[str, Any]) -> bool:
            if message["type"] == "alarms":
                seen["total"] += message["total"]
            return seen["total"] >= 200

        got = _receive_until(ws, counted)
        elapsed = time.monotonic() - started
    assert seen["total"] == 200
    # At most one flush per window, each with at most one alarms frame, however slow the posts.
    alarm_frames = [m for m in got if m["type"] == "alarms"]
    assert len(alarm_frames) <= elapsed / FLUSH_S + 2, (len(alarm_frames), elapsed)
    assert len(alarm_frames) < 200
    assert elapsed < 20


def test_the_privacy_officer_gets_no_alarms(client: TestClient) -> None:
    """Alarms and incidents are not the privacy officer's business; the operator's are."""
    operator = login(client, "operator")
    with (
        client.websocket_connect("/api/events", headers=login(client, "privacy_officer")) as dpo,
        client.websocket_connect("/api/events", headers=operator) as console,
    ):
        dpo_got: list[dict[str, Any]] = []
        threading.Thread(
            target=lambda: dpo_got.extend(iter(lambda: json.loads(dpo.receive_text()), None)),
            daemon=True,
        ).start()
        client.post("/api/alarms", json=csu_alarm("WS-2"), headers=operator)
        _receive_until(console, lambda m: m["type"] == "incident")
        time.sleep(0.5)  # several flush windows for the DPO's socket too
    assert [m for m in dpo_got if m["type"] in ("alarms", "incident")] == []
