"""Which word on a camera is in force: the site file's or an administrator's (pure; no database).

The rule, as an administrator would expect it: the latest change wins. A change made in the
browser (an addition, an edit, a retirement) stays in force across restarts for as long as the
site file says of that camera what it said when the administrator saved; once the site file
changes that camera (its entry edited, added under that id, or removed), the site file is in
force again and the browser's change is kept, superseded, for the record. Privacy zones drawn in
the zone editor are apart from this: they override both (privacy.zones).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import ValidationError

from csu.config.cameras import CameraConfig
from csu.config.loader import describe_errors
from csu.i18n import SiteClock, Translator


class Origin(StrEnum):
    """Where a camera's settings in force come from."""

    SITE = "site"  # the site file; no administrator changed it
    ADDED = "added"  # added in the browser; the site file has no such camera
    EDITED = "edited"  # a site-file camera edited in the browser
    RETIRED = "retired"  # retired in the browser: not run, its footage kept to retention
    SITE_AGAIN = "site_again"  # the site file changed the camera after the browser's change
    REMOVED = "removed"  # edited in the browser, then removed from the site file
    UNREADABLE = "unreadable"  # a stored change this version cannot read: not run


@dataclass(frozen=True)
class StoredCamera:
    """A stored change as the merge reads it (csu.cameras.store makes these from rows)."""

    camera_id: str
    config: CameraConfig | None  # None: the stored settings no longer validate (`problem`)
    retired: bool
    seed_hash: str | None
    updated_at: datetime
    updated_by: str
    reason: str
    problem: str | None = None


@dataclass(frozen=True)
class RegistryEntry:
    """One camera id: its settings in force (None: not run) and why."""

    camera_id: str
    origin: Origin
    config: CameraConfig | None
    stored: StoredCamera | None

    def explain(self, t: Translator, clock: SiteClock) -> str:
        """Which source is in force for this camera, in one line of the reader's language."""
        by = self._by(t, clock)
        problem = (self.stored.problem if self.stored else None) or "?"
        return t(f"registry.origin.{self.origin.value}", by=by, problem=problem)

    def _by(self, t: Translator, clock: SiteClock) -> str:
        s = self.stored
        if s is None:
            return ""
        when = clock.datetime(s.updated_at)
        return t("registry.by", user=s.updated_by, date=when, reason=repr(s.reason))


def fingerprint(config: CameraConfig | None) -> str | None:
    """A site-file entry's fingerprint (None for no entry); unchanged by defaults spelt out."""
    if config is None:
        return None
    # Defaults left out: a later csu that adds a setting with a default keeps every fingerprint.
    document = config.model_dump(mode="json", exclude_defaults=True)
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def read_config(text: str) -> tuple[CameraConfig | None, str | None]:
    """Stored settings as a camera, or why they cannot be read (one line)."""
    try:
        return CameraConfig.model_validate_json(text), None
    except ValidationError as exc:
        return None, "; ".join(describe_errors(exc.errors())) or "invalid settings"


def merge(site: Sequence[CameraConfig], stored: Iterable[StoredCamera]) -> list[RegistryEntry]:
    """Every camera id once, in site-file order then by addition time, with what is in force."""
    records = {s.camera_id: s for s in stored}
    entries = [_seeded(camera, records.pop(camera.id, None)) for camera in site]
    for record in sorted(records.values(), key=lambda r: (r.updated_at, r.camera_id)):
        entries.append(_browser_only(record))
    return entries


def _seeded(camera: CameraConfig, record: StoredCamera | None) -> RegistryEntry:
    if record is None:
        return RegistryEntry(camera.id, Origin.SITE, camera, None)
    if record.seed_hash != fingerprint(camera):
        return RegistryEntry(camera.id, Origin.SITE_AGAIN, camera, record)
    return _recorded(record)


def _browser_only(record: StoredCamera) -> RegistryEntry:
    if record.seed_hash is not None:  # it was a site-file camera; the file dropped it since
        return RegistryEntry(record.camera_id, Origin.REMOVED, None, record)
    return _recorded(record, added=True)


def _recorded(record: StoredCamera, *, added: bool = False) -> RegistryEntry:
    if record.retired:
        return RegistryEntry(record.camera_id, Origin.RETIRED, None, record)
    if record.config is None:
        return RegistryEntry(record.camera_id, Origin.UNREADABLE, None, record)
    origin = Origin.ADDED if added else Origin.EDITED
    return RegistryEntry(record.camera_id, origin, record.config, record)


def in_force(entries: Iterable[RegistryEntry]) -> tuple[CameraConfig, ...]:
    """The cameras csu runs and lists, in registry order."""
    return tuple(e.config for e in entries if e.config is not None)


def retention_days(entries: Iterable[RegistryEntry]) -> dict[str, int]:
    """Every camera's retention, those not run included: a retired camera's footage is
    destroyed on its own schedule, never early and never late."""
    days: dict[str, int] = {}
    for entry in entries:
        config = entry.config or (entry.stored.config if entry.stored else None)
        # Unreadable settings: the legal maximum, the one bound known to hold.
        days[entry.camera_id] = config.retention_days if config is not None else 30
    return days
