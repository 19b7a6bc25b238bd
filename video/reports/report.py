"""The whole report as plain data: what the service read, and the figures built from it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from privacy.service import HeldGrant, UntrainedAuthorisation, untrained_authorisations
from video.reports.figures import (
    KindFigures,
    access_table,
    analytics_active,
    exports_by,
    requisition_figures,
)
from video.reports.register import (
    CameraRegister,
    delivered_to_prosecutor,
    destructions_by_month,
    holds_over,
    judicial_exports,
    register,
)
from video.reports.rows import (
    AccessCount,
    AnalyticsRow,
    CameraRow,
    DestructionRow,
    ExportRow,
    HoldRow,
    Period,
    RequisitionRow,
    StoredRow,
    UnusualRow,
)


@dataclass(frozen=True)
class ChainResult:
    """The access log's chain verification, as the report states it."""

    ok: bool
    entries: int
    checkpoints: int
    problem_count: int
    problems: tuple[str, ...]
    checked_at: datetime
    latest_checkpoint_at: datetime | None = None


@dataclass
class Inputs:
    """Everything the service read for one period."""

    period: Period
    cameras: list[CameraRow]
    analytics: list[AnalyticsRow] = field(default_factory=list)
    stored: list[StoredRow] = field(default_factory=list)
    destructions: list[DestructionRow] = field(default_factory=list)
    holds: list[HoldRow] = field(default_factory=list)
    exports: list[ExportRow] = field(default_factory=list)
    requisitions: list[RequisitionRow] = field(default_factory=list)
    accesses: list[AccessCount] = field(default_factory=list)
    unusual: list[UnusualRow] = field(default_factory=list)
    # Every camera grant ever held, with its agent's training date (privacy.service).
    authorisations: list[HeldGrant] = field(default_factory=list)
    chain: ChainResult | None = None


@dataclass
class Report:
    """The figures of every section, ready to print."""

    period: Period
    made_at: datetime
    cameras: list[CameraRegister]
    destructions_by_month: list[tuple[str, str, int]]
    holds: list[HoldRow]
    judicial_exports: list[ExportRow]
    delivered: list[RequisitionRow]
    requests: list[KindFigures]
    exports_by_purpose: Counter[str]
    exports_by_camera: Counter[str]
    access_by_role: list[tuple[str, dict[str, int]]]
    access_by_camera: list[tuple[str, dict[str, int]]]
    unusual: list[UnusualRow]
    analytics: list[AnalyticsRow]
    untrained: list[UntrainedAuthorisation]
    chain: ChainResult | None


def build_report(inputs: Inputs, *, made_at: datetime, zone_name: str) -> Report:
    """The report's figures from what was read (pure)."""
    p = inputs.period
    exports = exports_by(inputs.exports, p)
    return Report(
        period=p,
        made_at=made_at,
        cameras=register(
            inputs.cameras,
            p,
            stored=inputs.stored,
            destructions=inputs.destructions,
            holds=inputs.holds,
            exports=inputs.exports,
        ),
        destructions_by_month=destructions_by_month(inputs.destructions, p, ZoneInfo(zone_name)),
        holds=holds_over(inputs.holds, p),
        judicial_exports=judicial_exports(inputs.exports, p),
        delivered=delivered_to_prosecutor(inputs.requisitions, p),
        requests=requisition_figures(inputs.requisitions, p),
        exports_by_purpose=exports["purpose"],
        exports_by_camera=exports["camera"],
        access_by_role=access_table(inputs.accesses, "role"),
        access_by_camera=access_table(inputs.accesses, "camera"),
        unusual=sorted(inputs.unusual, key=lambda u: u.seq),
        analytics=analytics_active(inputs.analytics, p),
        untrained=untrained_authorisations(inputs.authorisations, since=p.since, until=p.until),
        chain=inputs.chain,
    )
