"""A camera's `onvif` key: how csu reaches the camera's ONVIF services (events, for now)."""

from __future__ import annotations

import os
from typing import Self
from urllib.parse import SplitResult

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from csu.config.urls import host_problem, redact_url, split_url

ONVIF_SCHEMES = ("http", "https")
ENV_NAME_PATTERN = r"^[A-Z_][A-Z0-9_]{0,127}$"
# Where ONVIF puts the device service; the client (onvif-zeep-async) always asks there.
DEVICE_SERVICE_PATH = "/onvif/device_service"


def onvif_url_problem(url: str) -> str | None:
    """Why `url` is not a usable ONVIF device service URL, or None when it is."""
    parts = split_url(url)
    if isinstance(parts, str):
        return parts
    if parts.scheme not in ONVIF_SCHEMES:
        return f"scheme must be http or https (got {parts.scheme!r})"
    if _has_userinfo(parts):
        return "credentials go in username and password (or password_env), not in the URL"
    if parts.path.rstrip("/") not in ("", DEVICE_SERVICE_PATH) or parts.query or parts.fragment:
        return f"the device service is at {DEVICE_SERVICE_PATH}; give that path or none"
    return host_problem(parts)


def _has_userinfo(parts: SplitResult) -> bool:
    return "@" in parts.netloc


class OnvifConfig(BaseModel):
    """The camera's ONVIF device service and the account csu signs its requests with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        min_length=1,
        max_length=2048,
        description=(
            "Device service URL, http(s)://host[:port][/onvif/device_service] (the path is"
            " always /onvif/device_service)."
        ),
    )
    username: str | None = Field(
        default=None, min_length=1, max_length=128, description="ONVIF account name."
    )
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="ONVIF account password, written in the file (prefer password_env).",
    )
    password_env: str | None = Field(
        default=None,
        pattern=ENV_NAME_PATTERN,
        description="Environment variable that holds the password, read when csu starts.",
    )

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        problem = onvif_url_problem(value)
        if problem is not None:
            raise PydanticCustomError(
                "onvif_url",
                "invalid ONVIF URL {url}: {why}",
                {"url": repr(redact_url(value)), "why": problem},
            )
        return value

    @model_validator(mode="after")
    def _one_password(self) -> Self:
        if self.password is not None and self.password_env is not None:
            raise PydanticCustomError("onvif_password", "give password or password_env, not both")
        if self.username is None and (self.password or self.password_env):
            raise PydanticCustomError("onvif_username", "a password needs a username")
        return self

    def secret(self) -> str | None:
        """The password, from the file or the environment; KeyError naming an unset variable."""
        if self.password_env is None:
            return self.password
        value = os.environ.get(self.password_env)
        if not value:
            raise KeyError(f"{self.password_env} (the ONVIF password) is not set")
        return value
