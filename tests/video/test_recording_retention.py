"""Retention of recordings: purge under a controlled clock, legal holds, the disk-full policy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from csu.db import Database
from csu.identity import service as identity
from csu.identity.roles import Role
from csu.migrate import upgrade
from privacy.access_log import AccessLog
from privacy.access_log.models import AccessLogEntry
from privacy.guard import AccessDenied
from privacy.retention.footage import DESTROY_ACTION, purge_footage
from privacy.rights import Requester, viewer_of
from video.recording.holds import HOLD_RELEASE, HoldError, HoldRequest, HoldService
from video.recording.index import Segment, SegmentIndex
from video.recording.segments import segment_file
from video.recording.store import SegmentStore, make_room

DAY0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SEGMENT_BYTES = 4096


@dataclass
class Site:
    """A migrated database with its access log, index, store and holds."""

    db: Database
    log: AccessLog
    index: SegmentIndex
    store: SegmentStore
    holds: HoldService

    def entries(self, action: str) -> list[AccessLogEntry]:
        """Access-log entries of one action, in order."""
        return [e for e in self.log.entries() if e.action == action]

    def actor(self, username: str) -> Requester:
        """A seeded user acting from a test address."""
        with self.db.session() as session:
            user = identity.get_user(session, username=username)
            assert user is not None
            viewer = viewer_of(session, user)
        return Requester(viewer, "192.0.2.7")


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    """Accounts for a supervisor, an operator and an admin; no segment yet."""
    db = Database(database_url)
    upgrade(db.engine)
    with db.session() as session:
        for role in (Role.SUPERVISOR, Role.OPERATOR, Role.ADMIN):
            identity.create_user(
                session, username=role.value, role=role, password="pw-123456789", cameras=["*"]
            )
    log = AccessLog(db)
    index = SegmentIndex(db, tmp_path / "recordings")
    yield Site(db, log, index, SegmentStore(index), HoldService(db, log))
    db.dispose()


def add_segment(site: Site, camera_id: str, start: datetime, seconds: float = 10) -> Segment:
    """A segment file of SEGMENT_BYTES on disk, indexed."""
    path = segment_file(site.index.root, camera_id, "zones", start.timestamp())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(SEGMENT_BYTES))
    segment = Segment(camera_id, "zones", path, start, start + timedelta(seconds=seconds), 4096)
    site.index.add(segment)
    return segment


def hold_request(camera_id: str, start: datetime, end: datetime) -> HoldRequest:
    """A requisition for one span."""
    return HoldRequest(camera_id, start, end, "PV-2026-118", "Capt. Martin", "assault inquiry")


def test_purge_destroys_footage_past_retention_but_keeps_held_footage(site: Site) -> None:
    old = add_segment(site, "cam-a", DAY0)
    held = add_segment(site, "cam-a", DAY0 + timedelta(hours=1))
    recent = add_segment(site, "cam-a", DAY0 + timedelta(days=10))
    other = add_segment(site, "cam-b", DAY0)  # another camera, with 30 days' retention
    hold = site.holds.place(
        hold_request("cam-a", held.start + timedelta(seconds=3), held.start + timedelta(minutes=5)),
        site.actor("supervisor"),
    )
    now = DAY0 + timedelta(days=16)

    destroyed = purge_footage([site.store], {"cam-a": 15, "cam-b": 30}, site.log, now=now)

    assert [(s.camera_id, s.start) for s in destroyed] == [("cam-a", old.start)]
    assert not old.path.exists() and held.path.exists() and recent.path.exists()
    everything = site.index.between("cam-a", DAY0 - timedelta(days=1), now)
    assert [s.start for s in everything] == [held.start, recent.start]
    assert other.path.exists()
    # The destruction is logged with its span, and so was the hold that kept the other segment.
    (entry,) = site.entries(DESTROY_ACTION)
    assert entry.camera_id == "cam-a" and entry.outcome == "granted"
    assert entry.span_start is not None and entry.span_start.replace(tzinfo=UTC) == old.start
    (placed,) = site.entries("video.legal_hold")
    assert placed.requisition == "PV-2026-118" and placed.user == "supervisor"
    assert placed.reason == "assault inquiry" and placed.client == "192.0.2.7"

    # Once the hold is released, the next purge takes the held segment as well (logged).
    assert hold.id is not None
    site.holds.release(hold.id, "case closed", site.actor("admin"))
    (released,) = site.entries(HOLD_RELEASE)
    assert released.user == "admin" and released.reason == "case closed"
    again = purge_footage([site.store], {"cam-a": 15}, site.log, now=now)
    assert [s.start for s in again] == [held.start] and not held.path.exists()
    assert len(site.entries(DESTROY_ACTION)) == 2


def test_holds_need_the_legal_hold_right_and_refusals_are_logged(site: Site) -> None:
    request = hold_request("cam-a", DAY0, DAY0 + timedelta(hours=1))
    with pytest.raises(AccessDenied, match="no legal-hold right on camera 'cam-a'"):
        site.holds.place(request, site.actor("operator"))
    (denied,) = site.entries("video.legal_hold")
    assert denied.outcome == "denied" and denied.user == "operator"
    with pytest.raises(AccessDenied):
        site.holds.holds(site.actor("operator"))
    hold = site.holds.place(request, site.actor("supervisor"))
    assert hold.id is not None
    with pytest.raises(HoldError, match="end must be after start"):
        site.holds.place(hold_request("cam-a", DAY0, DAY0), site.actor("supervisor"))
    site.holds.release(hold.id, "lifted", site.actor("supervisor"))
    with pytest.raises(HoldError, match="released already"):
        site.holds.release(hold.id, "again", site.actor("supervisor"))
    listed = site.holds.holds(site.actor("admin"))
    assert [h.id for h in listed] == [hold.id] and listed[0].released_by == "supervisor"


def test_disk_full_destroys_the_oldest_unheld_segments_first(site: Site) -> None:
    segments = [add_segment(site, "cam-a", DAY0 + timedelta(minutes=i)) for i in range(6)]
    site.holds.place(
        hold_request("cam-a", segments[0].start, segments[1].end), site.actor("supervisor")
    )
    quota = 6 * SEGMENT_BYTES + 1000  # the volume: room for six segments and a little

    def free_bytes(store: SegmentStore) -> int:
        used = sum(p.stat().st_size for p in store.index.root.rglob("*.ts"))
        return quota - used

    # Asking for room for two segments: the two held ones stay, the next two oldest go.
    destroyed = make_room(site.store, site.log, 2 * SEGMENT_BYTES + 500, free_bytes=free_bytes)

    assert [s.start for s in destroyed] == [segments[2].start, segments[3].start]
    assert [p.exists() for p in (s.path for s in segments)] == [
        True,
        True,
        False,
        False,
        True,
        True,
    ]
    entries = site.entries(DESTROY_ACTION)
    assert [json.loads(e.details) for e in entries] == [
        {"store": "recordings", "ref": s.ref, "reason": "disk_full"} for s in destroyed
    ]
