"""WS /api/walls/{id}/ws: every display gets every layout, and a returning one resyncs at once."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.web.conftest import login
from tests.web.test_walls import receive_until, site, wait_layout, wall_is_filled

__all__ = ["site"]  # the module's site fixture: the test site with its crisis-room wall

WS = "/api/walls/csu-main/ws"


def put_text(client: TestClient, headers: dict[str, str], text: str) -> int:
    """Put a one-panel layout; its new version."""
    body = {"tiles": [{"x": 0, "y": 0, "kind": "text", "text": text, "pinned": True}]}
    answer = client.put("/api/walls/csu-main/layout", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    version: int = answer.json()["version"]
    return version


def test_two_displays_get_the_same_layouts_and_a_returning_one_resyncs(
    client: TestClient,
) -> None:
    """Both displays see each version; one that was away gets the current version first."""
    operator = login(client, "operator")
    display = login(client, "crisis")
    current = wait_layout(client, operator, "csu-main", wall_is_filled)["version"]
    with (
        client.websocket_connect(WS, headers=display) as first,
        client.websocket_connect(WS, headers=display) as second,
    ):
        now = [json.loads(ws.receive_text()) for ws in (first, second)]
        assert [m["version"] for m in now] == [current, current]
        assert now[0]["layout"] == now[1]["layout"] and now[0]["type"] == "layout"
        changed = put_text(client, operator, "one")
        got = [receive_until(ws, lambda m: m["version"] == changed)[-1] for ws in (first, second)]
        assert got[0] == got[1]
        assert got[0]["layout"]["tiles"][0]["text"] == "one"
        first.close()
        missed = put_text(client, operator, "two")
        receive_until(second, lambda m: m["version"] == missed)
    with client.websocket_connect(WS, headers=display) as back:
        resync = json.loads(back.receive_text())
        assert resync["version"] == missed
        assert resync["layout"]["tiles"][0]["text"] == "two"
        back.send_text("resync")
        assert json.loads(back.receive_text())["version"] == missed


@pytest.mark.parametrize("who", [None, "privacy_officer"])
def test_the_feed_needs_a_login_with_the_right(client: TestClient, who: str | None) -> None:
    """No token, or a role without wall-read: the handshake is refused (1008)."""
    headers = login(client, who) if who else {}
    client.cookies.clear()
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(WS, headers=headers) as ws,
    ):
        ws.receive_text()
    assert refused.value.code == 1008


def test_an_unknown_wall_is_refused(client: TestClient) -> None:
    """A feed for a wall that does not exist closes at once, naming it."""
    headers = login(client, "operator")
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/api/walls/nowhere/ws", headers=headers) as ws,
    ):
        ws.receive_text()
    assert refused.value.code == 1008 and "nowhere" in (refused.value.reason or "")
