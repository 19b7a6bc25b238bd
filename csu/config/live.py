"""The `live` section: the STUN and TURN servers live view's WebRTC sessions may use.

Browsers and csu's own WebRTC side get the same servers, so a relayed candidate works both ways.
A TURN server takes either coturn's time-limited REST credentials (`secret` or `secret_env`, the
server's static-auth-secret: no long-lived password reaches a browser) or a fixed account
(`username` with `credential` or `credential_env`).
"""

from __future__ import annotations

import os
import re
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from csu.config.onvif import ENV_NAME_PATTERN

# RFC 7064 (stun:, stuns:) and RFC 7065 (turn:, turns:) URIs, as browsers and aiortc read them:
# a host name or IPv4 address, an optional port, and for TURN an optional transport.
_ICE_URL = re.compile(
    r"^(?P<scheme>stuns?|turns?):(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))"
    r"(?::(?P<port>[0-9]{1,5}))?(?:\?transport=(?P<transport>udp|tcp))?$"
)


def ice_url_problem(url: str) -> str | None:
    """Why `url` is not a usable STUN or TURN URI, or None when it is."""
    match = _ICE_URL.match(url)
    if match is None:
        return (
            "expected stun:host[:port], stuns:host[:port], turn:host[:port][?transport=udp|tcp]"
            " or turns:host[:port][?transport=tcp]"
        )
    port = match["port"]
    if port is not None and not 1 <= int(port) <= 65535:
        return "port must be a number from 1 to 65535"
    scheme, transport = match["scheme"], match["transport"]
    if scheme.startswith("stun") and transport is not None:
        return "a STUN URI takes no transport"
    if scheme == "turns" and transport == "udp":
        return "turns: runs over TLS, hence tcp"
    return None


def is_turn(url: str) -> bool:
    """Whether the URI names a TURN server (which needs credentials)."""
    return url.startswith("turn")


class IceServerConfig(BaseModel):
    """One STUN or TURN server (several URIs of the same server in one entry)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    urls: tuple[str, ...] = Field(
        min_length=1, max_length=8, description="stun:, stuns:, turn: or turns: URIs."
    )
    username: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="Fixed TURN account (with credential or credential_env).",
    )
    credential: str | None = Field(
        default=None, min_length=1, max_length=256, description="Fixed TURN password, in the file."
    )
    credential_env: str | None = Field(
        default=None,
        pattern=ENV_NAME_PATTERN,
        description="Environment variable holding the fixed TURN password.",
    )
    secret: str | None = Field(
        default=None,
        min_length=8,
        max_length=256,
        description="coturn's static-auth-secret, in the file: time-limited credentials.",
    )
    secret_env: str | None = Field(
        default=None,
        pattern=ENV_NAME_PATTERN,
        description="Environment variable holding coturn's static-auth-secret.",
    )
    ttl_s: int = Field(
        default=86400,
        strict=True,
        ge=600,
        le=7 * 86400,
        description="How long time-limited credentials stay valid (a session outliving them"
        " is opened again).",
    )

    @field_validator("urls")
    @classmethod
    def _valid_urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        for url in urls:
            problem = ice_url_problem(url)
            if problem is not None:
                raise PydanticCustomError(
                    "ice_url",
                    "invalid ICE server URI {url}: {why}",
                    {"url": repr(url), "why": problem},
                )
        return urls

    @model_validator(mode="after")
    def _credentials(self) -> Self:
        given = [
            k for k in ("credential", "credential_env", "secret", "secret_env") if getattr(self, k)
        ]
        turn = any(is_turn(url) for url in self.urls)
        if not turn and (given or self.username):
            raise PydanticCustomError("ice_credentials", "a STUN server takes no credentials")
        if turn and not given:
            raise PydanticCustomError(
                "ice_credentials",
                "a TURN server needs secret or secret_env (coturn's static-auth-secret), or"
                " username with credential or credential_env",
            )
        if len(given) > 1:
            raise PydanticCustomError(
                "ice_credentials",
                "give one of credential, credential_env, secret, secret_env (got {keys})",
                {"keys": ", ".join(given)},
            )
        if self.time_limited and self.username is not None:
            raise PydanticCustomError(
                "ice_credentials", "time-limited credentials make their own username; drop it"
            )
        if not self.time_limited and turn and self.username is None:
            raise PydanticCustomError("ice_credentials", "a fixed TURN password needs a username")
        return self

    @property
    def time_limited(self) -> bool:
        """Whether credentials are made from coturn's shared secret (TURN REST API)."""
        return self.secret is not None or self.secret_env is not None

    def password(self) -> str | None:
        """The shared secret or the fixed password; KeyError naming an unset variable."""
        name = self.secret_env or self.credential_env
        if name is None:
            return self.secret or self.credential
        value = os.environ.get(name)
        if not value:
            raise KeyError(f"{name} (a TURN server's secret) is not set")
        return value


class LiveConfig(BaseModel):
    """Live view's WebRTC settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ice_servers: tuple[IceServerConfig, ...] = Field(
        default=(),
        max_length=8,
        description="STUN and TURN servers for browsers and csu (none: direct paths only).",
    )
    ice_transport_policy: Literal["all", "relay"] = Field(
        default="all",
        description="relay: browsers send video only through TURN (their own address hidden).",
    )

    @model_validator(mode="after")
    def _relay_needs_turn(self) -> Self:
        turn = any(is_turn(url) for server in self.ice_servers for url in server.urls)
        if self.ice_transport_policy == "relay" and not turn:
            raise PydanticCustomError(
                "ice_relay", "ice_transport_policy 'relay' needs a TURN server in ice_servers"
            )
        return self
