"""Events on the wire: JSON of the model, its class found by topic among those that travel.

Only classes whose `reach` is "live" or "durable" can be read off the wire, and only on their
own channel: a message that names a local topic (a login, which the access log must record once,
where it happened) is refused like an unknown one, so no node can make another log it.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from csu.events import Event, Reach

# A topic is a NATS subject's tail: dot-separated tokens with no wildcard or space.
_TOPIC = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")
# The one text a database cannot store that the JSON parser lets through: lone surrogates and
# invalid UTF-8 are already refused by pydantic's parser, a NUL escape is not.
_NUL_ESCAPE = b"\\u0000"


class WireError(ValueError):
    """A message that is not an event this node may accept; the text says why."""


def _concrete_subclasses() -> list[type[Event]]:
    found: list[type[Event]] = []
    stack = list(Event.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.abstract_event:
            found.append(cls)
    return found


def wire_classes() -> dict[str, type[Event]]:
    """Every imported event class that leaves its process, by topic; TypeError if ambiguous."""
    registry: dict[str, type[Event]] = {}
    for cls in _concrete_subclasses():
        if cls.reach == "local":
            continue
        if not _TOPIC.fullmatch(cls.topic):
            raise TypeError(f"event class {cls.__qualname__}: topic {cls.topic!r} is no subject")
        other = registry.get(cls.topic)
        if other is not None and other is not cls:
            raise TypeError(
                f"topic {cls.topic!r} names two event classes: "
                f"{other.__module__}.{other.__qualname__} and {cls.__module__}.{cls.__qualname__}"
            )
        registry[cls.topic] = cls
    return registry


def encode(event: Event) -> bytes:
    """The event's JSON (its topic travels in the subject)."""
    return event.model_dump_json().encode()


class Codec:
    """Decodes events back into their class, refusing anything else."""

    def __init__(self) -> None:
        self._classes = wire_classes()

    def decode(self, topic: str, data: bytes, reach: Reach) -> Event:
        """The event `data` holds, of the class `topic` names; WireError if it is not one."""
        cls = self._class(topic)
        if cls.reach != reach:
            raise WireError(f"topic {topic!r} is {cls.reach}, not {reach}")
        if _NUL_ESCAPE in data:
            raise WireError(f"{topic}: contains a NUL character (\\u0000)")
        try:
            return cls.model_validate_json(data)
        except ValidationError as exc:
            raise WireError(f"{topic}: {_first_error(exc)}") from None

    def _class(self, topic: str) -> type[Event]:
        cls = self._classes.get(topic)
        if cls is None:
            # A class imported after this codec was built (cheap: a few dozen classes).
            try:
                self._classes = wire_classes()
            except TypeError as exc:
                raise WireError(str(exc)) from None
            cls = self._classes.get(topic)
        if cls is None:
            raise WireError(f"unknown topic {topic[:80]!r}")
        return cls


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0] if errors else {"loc": (), "msg": str(exc)}
    where = ".".join(str(part) for part in first["loc"]) or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"
