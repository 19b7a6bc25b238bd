"""Event snapshots are destroyed at their camera's retention, each day's destruction logged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from csu.db import Database
from csu.migrate import upgrade
from privacy.access_log import AccessLog
from privacy.retention.footage import DESTROY_ACTION, purge_footage
from video.analytics.geometry import Box
from video.analytics.snapshots import SnapshotStore, find_snapshot, save_snapshot

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_old_snapshot_days_are_destroyed_and_logged(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    upgrade(db.engine)
    image = np.full((90, 160, 3), 100, np.uint8)
    box = Box(0.1, 0.1, 0.5, 0.9)
    for day, event in ((1, "a" * 32), (9, "b" * 32), (25, "c" * 32)):
        save_snapshot(tmp_path, "cam-1", event, image, box, datetime(2026, 11, day, 8, tzinfo=UTC))
    save_snapshot(tmp_path, "cam-2", "d" * 32, image, box, datetime(2026, 11, 1, tzinfo=UTC))
    (tmp_path / "analytics" / "cam-1" / "not-a-day").mkdir()
    try:
        log = AccessLog(db)
        store = SnapshotStore(tmp_path)
        destroyed = purge_footage([store], {"cam-1": 15, "cam-2": 30}, log, now=NOW)
        # cam-1 keeps 15 days: 1 and 9 November go; cam-2 keeps 30: its 1 November stays
        assert [s.ref for s in destroyed] == [
            "analytics/cam-1/2026-11-01",
            "analytics/cam-1/2026-11-09",
        ]
        assert (
            find_snapshot(tmp_path, "a" * 32) is None and find_snapshot(tmp_path, "b" * 32) is None
        )
        assert find_snapshot(tmp_path, "c" * 32) == (
            "cam-1",
            tmp_path / "analytics" / "cam-1" / "2026-11-25" / f"{'c' * 32}.jpg",
        )
        assert find_snapshot(tmp_path, "d" * 32) is not None
        entries = [e.model_dump() for e in log.entries()]
        assert [(e["action"], e["camera_id"], e["outcome"]) for e in entries] == [
            (DESTROY_ACTION, "cam-1", "granted"),
            (DESTROY_ACTION, "cam-1", "granted"),
        ]
        first = entries[0]
        # the span is the snapshot day in UTC (the database may hand it back naive)
        assert first["span_start"].replace(tzinfo=None) == datetime(2026, 11, 1)
        assert first["span_end"].replace(tzinfo=None) == datetime(2026, 11, 2)
        details = json.loads(str(first["details"]))
        assert details == {
            "store": "analytics-snapshots",
            "ref": "analytics/cam-1/2026-11-01",
            "retention_days": 15,
        }
    finally:
        db.dispose()
