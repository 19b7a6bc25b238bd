"""The Forum's kiosk account (role public_display) reaches the Forum and nothing else: every
route of the app is walked with its token."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.web.conftest import login

# The routes a kiosk may use: its own, signing in and out, who it is, health and the texts.
KIOSK_ROUTES = {
    "/api/auth/login",
    "/api/auth/logout",
    "/api/auth/me",
    "/api/auth/password",  # takes the account's credentials, like login
    "/api/i18n",
    "/healthz",
    "/metrics",
}
REFUSED = {401, 403, 404, 405}
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _filled(path: str) -> str:
    # Real names where the site has them, so a refusal is never a mere "no such camera".
    values = {"camera_id": "cam-street", "wall_id": "csu-main"}
    return PARAM.sub(lambda m: values.get(m.group(1), "1"), path)


def _kiosk_route(path: str) -> bool:
    return path in KIOSK_ROUTES or path == "/forum" or path.startswith("/api/forum/")


def _routes(routes: Iterable[Any]) -> Iterator[tuple[str, Any]]:
    # FastAPI keeps an included router as one entry; its effective routes carry the full path.
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from _routes(route.effective_candidates())
        elif hasattr(route, "original_route"):
            yield route.path or route.original_route.path, route.original_route
        elif hasattr(route, "path"):
            yield route.path, route


def app_routes(client: TestClient) -> list[tuple[str, Any]]:
    """Every route of the app as (full path, route), included routers opened."""
    return list(_routes(client.app.routes))  # type: ignore[attr-defined]


def _calls(client: TestClient) -> list[tuple[str, str, str]]:
    calls = []
    for path, route in app_routes(client):
        if isinstance(route, APIRoute):
            calls += [(m, path, _filled(path)) for m in sorted(route.methods)]
    return calls


def _send(client: TestClient, method: str, url: str, headers: dict[str, str]) -> int:
    body = {} if method in {"POST", "PUT", "PATCH"} else None
    return client.request(
        method, url, json=body, headers=headers, follow_redirects=False
    ).status_code


def test_kiosk_is_refused_everywhere_but_the_forum(client: TestClient) -> None:
    """403 (or 401/404) on every API route but the Forum's; a page gains it nothing either."""
    kiosk = login(client, "public_display")
    wrong = []
    walked = 0
    for method, path, url in _calls(client):
        if _kiosk_route(path) or (method, path) == ("POST", "/api/auth/logout"):
            continue
        walked += 1
        got = _send(client, method, url, kiosk)
        if path.startswith("/api/"):
            if got not in REFUSED:
                wrong.append(f"{method} {path}: {got}")
        elif got != _send(client, method, url, {}):
            # A page shell (HTML with no data in it) answers the kiosk as it answers anyone.
            wrong.append(f"{method} {path}: {got} for the kiosk, unlike a signed-out client")
    assert walked > 100
    assert wrong == []


def test_kiosk_gets_its_own_routes(client: TestClient) -> None:
    """The Forum's page and state, who it is; the refusal elsewhere names the Forum."""
    kiosk = login(client, "public_display")
    assert client.get("/forum").status_code == 200
    assert client.get("/api/forum/state", headers=kiosk).status_code == 200
    me = client.get("/api/auth/me", headers=kiosk).json()
    assert me["role"] == "public_display" and me["rights"] == ["forum.view"]
    refused = client.get("/api/cameras", headers={**kiosk, "Accept-Language": "fr"})
    assert refused.status_code == 403
    assert "Forum" in refused.json()["detail"]


def test_kiosk_gets_no_event_stream(client: TestClient) -> None:
    """Every WebSocket treats the kiosk's session as no session at all."""
    kiosk = login(client, "public_display")
    paths = [_filled(p) for p, r in app_routes(client) if isinstance(r, APIWebSocketRoute)]
    assert "/api/events" in paths and "/api/walls/csu-main/ws" in paths
    for path in paths:
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect(path, headers=kiosk) as ws,
        ):
            ws.receive_json()


def test_other_roles_have_no_forum_api(client: TestClient) -> None:
    """The Forum's API is the kiosk's: an operator gets 403 there."""
    operator = login(client, "operator")
    assert client.get("/api/forum/state", headers=operator).status_code == 403
