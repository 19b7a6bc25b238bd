"""The plain rows the report's figures are built from, as the service reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Period:
    """The report's period, [since, until), aware datetimes."""

    since: datetime
    until: datetime

    def holds(self, moment: datetime) -> bool:
        """True when the moment falls in the period."""
        return self.since <= moment < self.until


@dataclass(frozen=True)
class CameraRow:
    """A camera as the registry knows it, retired ones included."""

    camera_id: str
    name: str
    retention_days: int
    authorisation: str | None
    retired: bool = False


@dataclass(frozen=True)
class AnalyticsRow:
    """A camera's analytics authorisation as its settings state it."""

    camera_id: str
    enabled: bool
    legal_basis: str | None
    end_date: date | None
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredRow:
    """Footage still stored: a recording segment's camera and span."""

    camera_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class DestructionRow:
    """A logged destruction of footage (retention.destroy), failed or done."""

    camera_id: str
    at: datetime
    span_start: datetime
    span_end: datetime
    failed: bool = False


@dataclass(frozen=True)
class HoldRow:
    """A legal hold: what it keeps, for which requisition, and whether it was released."""

    hold_id: int
    camera_id: str
    start: datetime
    end: datetime
    requisition: str
    officer: str
    reason: str
    placed_at: datetime
    released_at: datetime | None = None
    release_reason: str | None = None


@dataclass(frozen=True)
class ExportRow:
    """A finished export as the access log recorded it (video.export.done)."""

    at: datetime
    camera_id: str | None
    span_start: datetime | None
    span_end: datetime | None
    purpose: str
    requisition: str | None
    recipient: str | None
    manifest_sha256: str | None
    # A case's every camera (its spans'); empty for a one-camera export.
    case_cameras: tuple[str, ...] = ()

    @property
    def cameras(self) -> tuple[str, ...]:
        """Every camera whose footage the export holds."""
        if self.case_cameras:
            return self.case_cameras
        return (self.camera_id,) if self.camera_id else ()


@dataclass(frozen=True)
class RequisitionRow:
    """A requisition or access request from the register."""

    reference: str
    kind: str  # judicial | access
    requester: str  # the authority, or the person asking
    received_at: datetime
    deadline: datetime | None
    status: str
    handed_over_at: datetime | None = None
    recipient: str | None = None
    refusal_reason: str | None = None
    decided_at: datetime | None = None  # when it was refused (its last change)


@dataclass(frozen=True)
class AccessCount:
    """How many access-log entries share a role, camera, action and outcome."""

    role: str | None
    camera_id: str | None
    action: str
    outcome: str
    count: int


@dataclass(frozen=True)
class UnusualRow:
    """An access the audit's statistics flag as unusual."""

    seq: int
    at: datetime
    user: str | None
    role: str | None
    action: str
    camera_id: str | None
    flags: tuple[str, ...]
    closure: str | None = None  # how it was closed, where csu records one
