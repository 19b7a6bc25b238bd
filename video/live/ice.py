"""The STUN and TURN servers of a live session, with the credentials each side signs in with.

Time-limited credentials follow coturn's TURN REST API (use-auth-secret): the username is
`<expiry unix time>:<login>` and the credential base64(HMAC-SHA1(secret, username)), so coturn
checks them against its static-auth-secret and a browser never holds a long-lived password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from aiortc import RTCConfiguration, RTCIceServer

from csu.config.live import IceServerConfig, LiveConfig

log = logging.getLogger(__name__)

# The `username` csu's own WebRTC side uses in time-limited credentials.
SERVER_LOGIN = "csu"


@dataclass(frozen=True)
class IceServer:
    """One server as RTCPeerConnection's `iceServers` takes it (browser and aiortc alike)."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None
    expires_at: float | None = None  # unix time, for time-limited credentials

    def as_json(self) -> dict[str, object]:
        """The RTCIceServer dictionary a browser takes."""
        out: dict[str, object] = {"urls": list(self.urls)}
        if self.username is not None:
            out |= {"username": self.username, "credential": self.credential}
        return out

    def links(self) -> list[str]:
        """RFC 9725's `Link: <url>; rel="ice-server"` values, one per URI."""
        extra = ""
        if self.username is not None:
            extra = (
                f'; username="{_quoted(self.username)}"; credential="{_quoted(self.credential)}"'
                '; credential-type="password"'
            )
        return [f'<{url}>; rel="ice-server"{extra}' for url in self.urls]


def _quoted(text: str | None) -> str:
    return (text or "").replace("\\", "\\\\").replace('"', '\\"')


def rest_credentials(secret: str, login: str, ttl_s: int, now: float) -> tuple[str, str, float]:
    """coturn's time-limited username, credential and expiry for `login`."""
    expires = int(now) + ttl_s
    username = f"{expires}:{login}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii"), float(expires)


class IceServers:
    """The site's STUN and TURN servers, with fresh credentials for each who asks."""

    def __init__(self, config: LiveConfig, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._clock = clock

    @property
    def transport_policy(self) -> Literal["all", "relay"]:
        """Whether browsers may use direct paths ("all") or TURN only ("relay")."""
        return self._config.ice_transport_policy

    def for_login(self, login: str) -> list[IceServer]:
        """The servers with credentials for `login` (a user, or csu itself); a server whose
        secret is not set is left out, and logged."""
        servers = []
        for entry in self._config.ice_servers:
            try:
                servers.append(self._server(entry, login))
            except KeyError as exc:
                log.error("TURN server %s left out: %s", entry.urls[0], exc.args[0])
        return servers

    def _server(self, entry: IceServerConfig, login: str) -> IceServer:
        password = entry.password()
        if password is None:
            return IceServer(entry.urls)
        if not entry.time_limited:
            return IceServer(entry.urls, entry.username, password)
        username, credential, expires = rest_credentials(
            password, login.replace(":", "_"), entry.ttl_s, self._clock()
        )
        return IceServer(entry.urls, username, credential, expires)

    def rtc_configuration(self) -> RTCConfiguration:
        """csu's own side: the same servers, so its relayed candidates meet the browser's.

        Never empty by accident: with no servers aiortc must not fall back to a public STUN.
        """
        servers = [
            RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
            for s in self.for_login(SERVER_LOGIN)
        ]
        return RTCConfiguration(iceServers=servers)
