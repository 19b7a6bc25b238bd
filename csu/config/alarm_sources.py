"""The `alarm_sources` section: where csu receives alarms from (an MQTT broker or HTTP pushes)."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from csu.config.cameras import SLUG_PATTERN
from csu.config.urls import host_problem, redact_url, split_url

MQTT_SCHEMES = ("mqtt", "mqtts")
# An MQTT 5 share name may not hold "/", "+" or "#"; csu keeps to what reads well in a client id.
SHARE_GROUP_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def mqtt_url_problem(url: str) -> str | None:
    """Why `url` is not a usable MQTT broker URL, or None when it is."""
    parts = split_url(url)
    if isinstance(parts, str):
        return parts
    if parts.scheme not in MQTT_SCHEMES:
        return f"scheme must be mqtt or mqtts (got {parts.scheme!r})"
    return host_problem(parts)


def mqtt_topic_problem(topic: str) -> str | None:
    """Why `topic` is not a valid MQTT subscription filter, or None when it is."""
    levels = topic.split("/")
    for index, level in enumerate(levels):
        if "#" in level and (level != "#" or index != len(levels) - 1):
            return "'#' must be a whole level and the last one"
        if "+" in level and level != "+":
            return "'+' must be a whole level"
    if "\x00" in topic:
        return "must not contain a NUL character"
    return None


def _error(key: str, kind: str, message: str, value: Any) -> InitErrorDetails:
    # The message goes in as context so that braces in a user's URL are never read as a template.
    error = PydanticCustomError(kind, "{message}", {"message": message})
    return {"type": error, "loc": (key,), "input": value}


class AlarmSourceConfig(BaseModel):
    """One alarm feed: an MQTT subscription, or an HTTP endpoint that systems push to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG_PATTERN, description="Stable identifier, a lowercase slug.")
    kind: Literal["mqtt", "http"] = Field(description="mqtt: subscribe to a broker; http: pushed.")
    url: str | None = Field(
        default=None,
        min_length=1,
        max_length=2048,
        description="Broker URL, mqtt:// or mqtts:// (mqtt only).",
    )
    # MQTT caps a topic at 65535 bytes; longer text cannot be a topic at all.
    topic: str | None = Field(
        default=None,
        min_length=1,
        max_length=65535,
        description="Topic filter to subscribe to (mqtt only).",
    )
    ack: Literal["received", "stored"] = Field(
        default="received",
        description=(
            "When csu acknowledges a QoS 1 message (mqtt only): 'received' at once, or 'stored'"
            " once its raw payload is committed, so a csu crash loses nothing."
        ),
    )
    mqtt_version: Literal["5", "3.1.1"] = Field(
        default="5",
        description=(
            "MQTT protocol version (mqtt only). With 5, csu asks the broker for a window of"
            " tens of thousands of unacknowledged messages (Receive Maximum), which a storm needs:"
            " 3.1.1 leaves it to the broker's setting (Mosquitto: max_inflight_messages, 20 by"
            " default, about 10,000 messages a second at best)."
        ),
    )
    share_group: str | None = Field(
        default=None,
        pattern=SHARE_GROUP_PATTERN,
        description=(
            "MQTT 5 shared subscription group (mqtt only): csu subscribes to"
            " $share/<group>/<topic>, and the broker hands each message to one node of the"
            " group, so several API nodes split the feed. Each node's client id is then"
            " csu-<id>-<node name> (the machine's name by default). Needs mqtt_version 5."
        ),
    )

    @model_validator(mode="after")
    def _fields_match_kind(self) -> Self:
        errors = self._mqtt_errors() if self.kind == "mqtt" else self._http_errors()
        if errors:
            # Raised as a ValidationError so that each problem keeps its own key path.
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def _mqtt_errors(self) -> list[InitErrorDetails]:
        errors: list[InitErrorDetails] = []
        if self.url is None:
            errors.append(_error("url", "required_for_kind", "required for kind 'mqtt'", None))
        elif (problem := mqtt_url_problem(self.url)) is not None:
            shown = repr(redact_url(self.url))
            errors.append(_error("url", "mqtt_url", f"invalid MQTT URL {shown}: {problem}", None))
        if self.topic is None:
            errors.append(_error("topic", "required_for_kind", "required for kind 'mqtt'", None))
        elif (problem := mqtt_topic_problem(self.topic)) is not None:
            errors.append(_error("topic", "mqtt_topic", f"invalid MQTT topic: {problem}", None))
        if self.share_group is not None and self.mqtt_version != "5":
            message = "a shared subscription needs mqtt_version 5"
            errors.append(_error("share_group", "needs_mqtt_5", message, self.share_group))
        return errors

    def _http_errors(self) -> list[InitErrorDetails]:
        errors = [
            _error(key, "not_allowed", "not allowed for kind 'http'", value)
            for key, value in (("url", self.url), ("topic", self.topic))
            if value is not None
        ]
        for key in ("ack", "mqtt_version", "share_group"):
            if key in self.model_fields_set:
                value = getattr(self, key)
                errors.append(_error(key, "not_allowed", "not allowed for kind 'http'", value))
        return errors
