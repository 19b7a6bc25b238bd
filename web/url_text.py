"""Refuse a URL whose path or query holds a NUL character, before any route sees it.

No name, id or search term of csu contains one, and PostgreSQL refuses text that does: a path
parameter or a search term carrying `%00` would otherwise fail at the database (a 500) instead of
being told what is wrong. Other undecodable bytes arrive as U+FFFD, which every database stores.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from web.origin_check import refuse


def url_problem(path: str, query: bytes) -> str | None:
    """What is wrong with the request's path or query, in words; None when nothing is."""
    if "\x00" in path:
        return "the path contains a NUL character (%00)"
    if b"%00" not in query.lower() and b"\x00" not in query:
        return None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return f"query parameter {name.strip(chr(0))!r} contains a NUL character (%00)"
    return None


class UrlTextCheck:
    """ASGI middleware: a 400 naming the problem, or the request handed on unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse, or pass on."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        problem = url_problem(scope.get("path", ""), scope.get("query_string", b""))
        if problem is None:
            await self.app(scope, receive, send)
        else:
            await refuse(scope, receive, send, 400, problem)
