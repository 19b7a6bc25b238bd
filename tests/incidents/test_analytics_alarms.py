"""Analytics alarms read back for the console: the event id, rule and box of each."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from incidents.analytics_alarms import analytics_payload
from incidents.analytics_decisions import ANALYTICS_SOURCE, analytics_views
from incidents.models import StoredAlarm
from video.analytics.events import VideoAnalyticsEvent

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def stored(alarm_id: int, body: dict[str, object]) -> StoredAlarm:
    """The row the intake keeps for a csu JSON alarm body."""
    return StoredAlarm(
        id=alarm_id,
        source=str(body["source"]),
        external_id=str(body["external_id"]),
        type=str(body["type"]),
        severity="high",
        status="active",
        occurred_at=AT,
        received_at=AT,
        updated_at=AT,
        data=json.dumps(body.get("data", {})),
        camera_id=str(body["camera_id"]) if body.get("camera_id") else None,
    )


def event(event_id: str, snapshot: str | None) -> VideoAnalyticsEvent:
    """A zone intrusion on a camera whose id has a colon in it."""
    return VideoAnalyticsEvent(
        event_id=event_id,
        camera_id="cam:plaza",
        kind="zone_intrusion",
        rule="fountain",
        occurred_at=AT,
        box=(0.4, 0.5, 0.45, 0.7),
        track="o0-3",
        snapshot=snapshot,
        details={"frames": 2},
    )


def test_views_carry_the_event_id_rule_and_normalised_box() -> None:
    with_picture = json.loads(analytics_payload(event("a" * 32, "analytics/x.jpg"), "Plaza", "fr"))
    without = json.loads(analytics_payload(event("b" * 32, None), "Plaza", "en"))
    views = analytics_views([stored(1, with_picture), stored(2, without)])
    assert [(v.alarm_id, v.event_id, v.camera_id, v.kind, v.rule) for v in views] == [
        (1, "a" * 32, "cam:plaza", "zone_intrusion", "fountain"),
        (2, "b" * 32, "cam:plaza", "zone_intrusion", "fountain"),
    ]
    assert views[0].box == (0.4, 0.5, 0.45, 0.7) and views[0].occurred_at == AT
    assert [v.snapshot for v in views] == [True, False]
    # csu's own words are in the site's language; the type's label comes from the catalogue.
    assert with_picture["description"] == (
        "Plaza : Intrusion en zone interdite (règle fountain), à confirmer"
    )
    assert (
        without["description"] == "Plaza: Entry into a forbidden zone (rule fountain), to confirm"
    )


def test_alarms_csu_did_not_raise_are_not_shown_as_events() -> None:
    body = json.loads(analytics_payload(event("c" * 32, "analytics/y.jpg"), "Plaza", "fr"))
    foreign = {**body, "source": "vendor-vms"}  # same type, raised by someone else
    broken = {**body, "data": {**body["data"], "box": [0.1, 0.2]}}
    other = {**body, "external_id": "PLAY-1"}
    rows = [stored(1, foreign), stored(2, broken), stored(3, other)]
    assert body["source"] == ANALYTICS_SOURCE
    assert analytics_views(rows) == []
