"""Which events travel, and how a message from the wire becomes one (or is refused)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import ClassVar

import pytest

from csu.event_codec import Codec, WireError, encode, wire_classes
from csu.events import Event, Reach
from tests.csu.bus_nats_helpers import analytics, layout, login, status


def _event_modules() -> list[ModuleType]:
    # Every `events` module of every package, so that a new one cannot be left out here.
    found = []
    for package in ("csu", "privacy", "video", "incidents", "crisis"):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if info.name.rsplit(".", 1)[-1] == "events":
                found.append(importlib.import_module(info.name))
    return found


EVENT_MODULES = _event_modules()
REACH = {
    "identity.login_succeeded": "local",
    "identity.login_failures": "local",
    "identity.user_created": "local",
    "identity.password_changed": "local",
    "cameras.changed": "durable",
    "identity.rights_ended": "live",
    "video.camera_status": "durable",
    "video.loss": "durable",
    "video.restored": "durable",
    "video.analytics": "durable",
    "video.ptz_control_ended": "live",
    "video.export_progress": "live",
    "incidents.alarms_stored": "live",
    "incidents.changed": "live",
    "incidents.escalated": "local",
    "crisis.changed": "live",
    "crisis.wall_layout": "live",
}


def test_every_event_class_chooses_how_far_it_travels() -> None:
    classes = [
        value
        for module in EVENT_MODULES
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Event)
        and value is not Event
        and value.__module__ == module.__name__
    ]
    assert {cls.topic: cls.reach for cls in classes} == REACH
    assert all("reach" in cls.__dict__ for cls in classes), "reach must be said, not inherited"
    travelling = {t: c for t, c in wire_classes().items() if not t.startswith("test.")}
    assert {t: c.reach for t, c in travelling.items()} == {
        t: r for t, r in REACH.items() if r != "local"
    }


@pytest.mark.parametrize("event", [status("cam-1"), analytics(4), layout(2)])
def test_an_event_comes_back_equal(event: Event) -> None:
    decoded = Codec().decode(event.topic, encode(event), event.reach)
    assert decoded == event and type(decoded) is type(event)


@pytest.mark.parametrize(
    ("topic", "data", "reach", "why"),
    [
        ("no.such", b"{}", "live", "unknown topic"),
        ("identity.login_succeeded", encode(login("op")), "live", "unknown topic"),
        ("video.camera_status", encode(status("cam-1")), "live", "is durable, not live"),
        ("crisis.wall_layout", b"{", "live", "Invalid JSON"),
        ("crisis.wall_layout", b"[]", "live", "body: Input should be an object"),
        ("crisis.wall_layout", encode(layout(1)).replace(b"csu-main", b"\\ud800"), "live", "JSON"),
        ("crisis.wall_layout", encode(layout(1)).replace(b"csu-main", b"\\u0000"), "live", "NUL"),
        ("crisis.wall_layout", encode(layout(1)).replace(b"}", b',"x":1}', 1), "live", "x: Extra"),
        ("crisis.wall_layout", b'{"version": "many"}', "live", "(and "),
    ],
)
def test_what_is_no_acceptable_event_is_refused(
    topic: str, data: bytes, reach: Reach, why: str
) -> None:
    with pytest.raises(WireError, match=why.replace("(", r"\(")):
        Codec().decode(topic, data, reach)


def test_two_travelling_classes_with_one_topic_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Declared local, made live only for this test: once it ends, the two are ignored again.
    class First(Event):
        topic: ClassVar[str] = "test.twice"

    class Second(Event):
        topic: ClassVar[str] = "test.twice"

    codec = Codec()
    monkeypatch.setattr(First, "reach", "live")
    monkeypatch.setattr(Second, "reach", "live")
    with pytest.raises(TypeError, match="names two event classes"):
        Codec()  # a bus cannot even be built
    # A codec built before refuses the messages of that topic instead of guessing.
    with pytest.raises(WireError, match="names two event classes"):
        codec.decode("test.twice", b"{}", "live")
