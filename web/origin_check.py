"""Requests a page of another site makes with csu's session cookie are refused (CSRF, CSWSH).

A browser sends the session cookie with whatever a page asks of csu; the `Origin` header says
which page asked. State-changing requests (POST, PUT, PATCH, DELETE) and WebSocket handshakes
whose Origin is not csu's own are refused with 403 naming the problem, unless they carry a
Bearer token: a page of another site cannot set that header, so such clients (the hypervisor,
scripts) are not at risk. Same-site cookies already stop most of this; a sibling host of the
same site, or an older browser, is what this stops. A request without Origin is not from a page
of another site (browsers send it with every cross-origin request of these kinds).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


def _authority(host: str, scheme: str) -> str:
    """host[:port] in lower case, without the scheme's default port."""
    host = host.strip().lower()
    default = _DEFAULT_PORTS.get(scheme)
    return host.removesuffix(f":{default}") if default else host


def origin_of(url: str) -> str:
    """The origin (scheme://host[:port]) of an address, as browsers write it in Origin."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{_authority(parts.netloc, parts.scheme.lower())}"


def cross_origin_problem(scope: Scope, allowed: Iterable[str] = ()) -> str | None:
    """Why this request or handshake is refused as coming from another site's page, or None."""
    origin = host = None
    for name, value in scope["headers"]:
        if name == b"origin":
            origin = value.decode("latin-1")
        elif name == b"host":
            host = value.decode("latin-1")
        elif name == b"authorization" and value[:7].lower() == b"bearer ":
            return None
    if origin is None:
        return None
    parts = urlsplit(origin)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https") and origin_of(origin) in allowed:
        return None
    # Behind a proxy that ends TLS the request may say http where the page said https: the
    # host and port decide (a proxy that rewrites Host needs CSU_PUBLIC_URL).
    same_host = host is not None and _authority(parts.netloc, scheme) == _authority(host, scheme)
    if same_host and scheme in ("http", "https"):
        return None
    return (
        f"cross-origin request refused: Origin {origin!r} is not this site"
        " (a page of another site cannot use this session)"
    )


class OriginCheck:
    """ASGI middleware: the check above before any route sees the request."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed = frozenset(origin_of(a) for a in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse, or hand the request on unchanged."""
        checked = scope["type"] == "websocket" or (
            scope["type"] == "http" and scope["method"] in STATE_CHANGING
        )
        problem = cross_origin_problem(scope, self.allowed) if checked else None
        if problem is None:
            await self.app(scope, receive, send)
        else:
            await refuse(scope, receive, send, 403, problem)


async def refuse(scope: Scope, receive: Receive, send: Send, status: int, problem: str) -> None:
    """Answer a request, or a WebSocket handshake, with `status` and {"detail": problem}."""
    prefix = "http.response"
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        if "websocket.http.response" not in scope.get("extensions", {}):
            await send({"type": "websocket.close", "code": 1008, "reason": problem[:120]})
            return
        prefix = "websocket.http.response"  # a refusal that says why, not a bare close
    body = json.dumps({"detail": problem}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": f"{prefix}.start", "status": status, "headers": headers})
    await send({"type": f"{prefix}.body", "body": body})
