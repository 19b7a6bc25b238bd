"""Retention: the access log's legal minimum, pruning that keeps verify green, footage purges."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from csu.db import Database
from csu.settings import Settings
from privacy.access_log import AccessLog, AccessLogUnavailable
from privacy.retention.access_log import PRUNE_ACTION, prunable_through, prune_access_log
from privacy.retention.changes import log_retention_change, retention_policy
from privacy.retention.footage import DESTROY_ACTION, FootageSpan, purge_footage
from tests.privacy.logtools import checkpointer, fill, rows, verify
from tests.privacy.tamper import tamper

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


def test_access_log_retention_has_a_legal_floor() -> None:
    """365 days by default; 180 accepted; 179 refused with the reason."""
    assert Settings().access_log_retention_days == 365
    assert Settings(access_log_retention_days=180).access_log_retention_days == 180
    with pytest.raises(ValidationError, match="at least 180 days"):
        Settings(access_log_retention_days=179)


def _aged_log(db: Database) -> AccessLog:
    """Entries 1-4 from 400 days ago, 5-6 from 200 days ago, 7-8 from yesterday."""
    log = AccessLog(db)
    fill(log, 4, at=NOW - timedelta(days=400))
    fill(log, 2, at=NOW - timedelta(days=200))
    fill(log, 2, at=NOW - timedelta(days=1))
    return log


def test_pruning_keeps_the_rest_verifiable(db: Database, tmp_path: Path) -> None:
    """Entries past 365 days go; a signed prune checkpoint anchors the first that remains."""
    log, signer = _aged_log(db), checkpointer(db, tmp_path)
    signer.checkpoint()
    result = prune_access_log(db, log, signer, retention_days=365, now=NOW)
    assert result is not None and (result.through_seq, result.deleted) == (4, 4)
    assert [r["seq"] for r in rows(db)] == [5, 6, 7, 8, 9]
    entry = rows(db)[-1]
    assert entry["action"] == PRUNE_ACTION
    assert json.loads(entry["details"])["through_entry"] == 4
    report = verify(db, tmp_path)
    assert report.ok, report.problems
    assert report.first_seq == 5
    # pruning again at 180 days takes 5 and 6, and still verifies
    assert prune_access_log(db, log, signer, retention_days=180, now=NOW) is not None
    assert rows(db)[0]["seq"] == 7
    assert verify(db, tmp_path).ok


def test_nothing_to_prune_writes_nothing(db: Database, tmp_path: Path) -> None:
    """A log younger than retention is left alone, without an entry."""
    log = AccessLog(db)
    fill(log, 3, at=NOW - timedelta(days=10))
    assert (
        prune_access_log(db, log, checkpointer(db, tmp_path), retention_days=365, now=NOW) is None
    )
    assert len(rows(db)) == 3


def test_pruning_stops_at_the_first_entry_within_retention(db: Database) -> None:
    """An old entry written after a recent one (a late clock) stays with the recent ones."""
    log = AccessLog(db)
    fill(log, 2, at=NOW - timedelta(days=400))
    fill(log, 1, at=NOW - timedelta(days=3))
    fill(log, 1, at=NOW - timedelta(days=400))
    assert prunable_through(db, NOW - timedelta(days=365)) == 2


def test_pruning_waits_when_it_cannot_log_or_sign(db: Database, tmp_path: Path) -> None:
    """The prune entry and the signed anchor come first; if either fails, nothing is deleted."""
    log, signer = _aged_log(db), checkpointer(db, tmp_path)
    tamper(db, "DROP TABLE chain_checkpoints")
    with pytest.raises(DBAPIError):
        prune_access_log(db, log, signer, retention_days=365, now=NOW)
    assert [r["seq"] for r in rows(db)][:4] == [1, 2, 3, 4]
    broken = AccessLog(Database("sqlite:////nonexistent/dir/x.db"))
    with pytest.raises(AccessLogUnavailable):
        prune_access_log(db, broken, signer, retention_days=365, now=NOW)


def test_retention_changes_are_logged_once(db: Database) -> None:
    """The first start records the policy; an unchanged start adds nothing; a change is logged."""
    log = AccessLog(db)
    policy = retention_policy(access_log_days=365, cameras={"cam-b": 15, "cam-a": 30})
    assert log_retention_change(db, log, policy, source="test")
    assert not log_retention_change(db, log, policy, source="test")
    changed = retention_policy(access_log_days=400, cameras={"cam-a": 30, "cam-b": 15})
    assert log_retention_change(db, log, changed, source="test")
    details = [json.loads(r["details"]) for r in rows(db)]
    assert [r["action"] for r in rows(db)] == ["admin.retention", "admin.retention"]
    assert details[0]["before"] is None and details[0]["after"] == policy
    assert details[1]["before"] == policy and details[1]["after"]["access_log_days"] == 400


class _Store:
    """Footage kept in memory: what a recorder will offer once recording exists."""

    name = "memory"

    def __init__(self, spans: Sequence[FootageSpan], fail: str | None = None) -> None:
        self.spans = list(spans)
        self.fail = fail

    def expired(self, camera_id: str, before: datetime) -> Sequence[FootageSpan]:
        return [s for s in self.spans if s.camera_id == camera_id and s.end <= before]

    def destroy(self, span: FootageSpan) -> None:
        if span.ref == self.fail:
            raise OSError("disk says no")
        self.spans.remove(span)


def _span(camera: str, days_ago: int, ref: str) -> FootageSpan:
    end = NOW - timedelta(days=days_ago)
    return FootageSpan(camera, end - timedelta(minutes=10), end, ref)


def test_footage_past_retention_is_destroyed_and_each_destruction_logged(db: Database) -> None:
    """Only spans older than their camera's retention go, each with a log entry and its span."""
    store = _Store(
        [_span("cam-a", 20, "a-old"), _span("cam-a", 5, "a-new"), _span("cam-b", 20, "b-old")],
        fail="b-old",
    )
    log = AccessLog(db)
    destroyed = purge_footage([store], {"cam-a": 15, "cam-b": 15}, log, now=NOW)
    assert [s.ref for s in destroyed] == ["a-old"]
    assert [s.ref for s in store.spans] == ["a-new", "b-old"]
    entries = rows(db)
    assert [(e["action"], e["camera_id"], e["outcome"]) for e in entries] == [
        (DESTROY_ACTION, "cam-a", "granted"),
        (DESTROY_ACTION, "cam-b", "granted"),
        (DESTROY_ACTION, "cam-b", "failed"),
    ]
    assert entries[0]["span_start"] is not None and entries[0]["span_end"] is not None
