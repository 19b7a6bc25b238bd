"""Headers every answer carries so that browsers hold csu's pages and data tightly.

- Content-Security-Policy: scripts, styles, media and connections from csu itself only (the
  pages are JavaScript modules served by csu, with no inline script or style), pictures also
  from blob: (snapshots) and the site's own tile server, and no framing by any page
  (`frame-ancestors 'none'`: no clickjacking of the console).
- X-Content-Type-Options: nosniff, so that nothing is run as another type than it is served.
- Referrer-Policy: no-referrer: addresses (a playback's reason is in its query) stay inside.
- Cache-Control: no-store on everything but the static assets: personal data, snapshots and
  video are never kept in a browser's or a proxy's cache.

An answer that sets its own Content-Security-Policy or Cache-Control keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.origin_check import OriginCheck, origin_of

STATIC_PREFIX = "/static/"
# FastAPI's interactive documentation is an inline script page; it only gets framing refused.
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})


def content_security_policy(
    image_origins: tuple[str, ...] = (), connect_origins: tuple[str, ...] = ()
) -> str:
    """The policy for csu's pages; image_origins adds a tile server, connect_origins the
    camera workers of a cluster (live view is redirected to them)."""
    images = " ".join(("'self'", "blob:", *image_origins))
    connect = " ".join(("'self'", *connect_origins))
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "media-src 'self' blob:",
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def tile_origins(tile_url: str | None) -> tuple[str, ...]:
    """The origin of the site's tile server, if it has one."""
    return (origin_of(tile_url),) if tile_url else ()


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP answer."""

    def __init__(
        self,
        app: ASGIApp,
        image_origins: tuple[str, ...] = (),
        connect_origins: Callable[[], tuple[str, ...]] | None = None,
    ) -> None:
        self.app = app
        common = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
        self._images = image_origins
        self._connect = connect_origins
        self._common = common
        self._connect_seen: tuple[str, ...] = ()
        self._page = self._page_headers(())
        self._docs = [*common, (b"content-security-policy", b"frame-ancestors 'none'")]
        self._no_store = (b"cache-control", b"no-store")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to its answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = list(self._docs if path in DOCS_PATHS else self._page_headers_now())
        if not path.startswith(STATIC_PREFIX):
            extra.append(self._no_store)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                added = [(n, v) for n, v in extra if n not in present]
                message = {**message, "headers": [*message.get("headers", ()), *added]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _page_headers(self, connect: tuple[str, ...]) -> list[tuple[bytes, bytes]]:
        policy = content_security_policy(self._images, connect)
        return [*self._common, (b"content-security-policy", policy.encode())]

    def _page_headers_now(self) -> list[tuple[bytes, bytes]]:
        # A cluster's workers come and go: the policy names those alive now. Built once per
        # change, not per answer.
        if self._connect is None:
            return self._page
        origins = self._connect()
        if origins != self._connect_seen:
            self._connect_seen, self._page = origins, self._page_headers(origins)
        return self._page


def install_browser_guards(
    app: FastAPI,
    *,
    public_url: str | None,
    tile_url: str | None,
    connect_origins: Callable[[], tuple[str, ...]] | None = None,
) -> None:
    """Wrap the app in the Origin check and, outermost, these headers (403s get them too)."""
    app.add_middleware(OriginCheck, allowed=(public_url,) if public_url else ())
    app.add_middleware(
        SecurityHeaders, image_origins=tile_origins(tile_url), connect_origins=connect_origins
    )
