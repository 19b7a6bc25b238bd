"""The report's pure figures: the register of recordings, requests, accesses, analytics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from video.reports.figures import (
    access_table,
    analytics_active,
    exports_by,
    requisition_figures,
)
from video.reports.register import (
    camera_register,
    delivered_to_prosecutor,
    destructions_by_month,
    holds_over,
    oldest_kept_at,
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
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PERIOD = Period(T0, T0 + timedelta(days=365))
CAM = CameraRow("cam-a", "A", 10, "Arrêté n° 1")


def day(n: float) -> datetime:
    """n days into the period."""
    return T0 + timedelta(days=n)


def destroyed(at: float, start: float, *, failed: bool = False) -> DestructionRow:
    """Footage of cam-a begun at `start` (an hour long) destroyed at `at`."""
    return DestructionRow("cam-a", day(at), day(start), day(start) + timedelta(hours=1), failed)


def hold(start: float, end: float, placed: float, released: float | None = None) -> HoldRow:
    """A hold on cam-a."""
    return HoldRow(
        1,
        "cam-a",
        day(start),
        day(end),
        "PV-1",
        "OPJ X",
        "enquête",
        day(placed),
        None if released is None else day(released),
    )


def test_the_register_counts_destructions_and_flags_only_late_unheld_ones() -> None:
    destructions = [
        destroyed(20, 9.9),  # on time
        destroyed(30, 19.5),  # on time
        destroyed(50, 20),  # 30 days after: late, unheld
        destroyed(60, 21),  # late but under a hold
        destroyed(61, 40, failed=True),
        destroyed(400, 360),  # after the period: not counted
    ]
    holds = [hold(20.9, 21.5, placed=22, released=59)]
    exports = [
        ExportRow(day(5), "cam-a", day(1), day(2), "judicial", "PV-1", "OPJ X", "ab"),
        ExportRow(day(6), "cam-a", day(1), day(2), "public_request", None, "M. Y", "cd"),
    ]
    line = camera_register(
        CAM, PERIOD, stored=[], destructions=destructions, holds=holds, exports=exports
    )
    assert (line.destructions, line.failed, line.beyond_retention) == (4, 1, 1)
    assert not line.retention_held
    assert line.first_destroyed == day(20) and line.last_destroyed == day(60)
    assert line.longest_kept_days == 39.0  # destroyed at day 60, begun at day 21
    assert (line.holds, line.judicial_exports) == (1, 1)
    # At the period's end the oldest footage kept is what the later destruction removed.
    assert line.oldest_kept == day(360)


def test_the_oldest_footage_kept_is_what_was_stored_or_destroyed_only_later() -> None:
    stored = [StoredRow("cam-a", day(3), day(4)), StoredRow("cam-b", day(1), day(2))]
    later = [destroyed(10, 2), destroyed(5, 1)]
    assert oldest_kept_at("cam-a", day(6), stored, later) == day(2)
    assert oldest_kept_at("cam-a", day(11), stored, later) == day(3)
    assert oldest_kept_at("cam-a", day(2), [], []) is None


def test_footage_still_stored_past_retention_is_flagged_unless_held() -> None:
    stored = [
        StoredRow("cam-a", day(300), day(300.01)),  # the oldest kept, and overdue at the end
        StoredRow("cam-a", day(300), day(300.01)),  # the same segment, read twice
        StoredRow("cam-a", day(320), day(320.01)),  # held
        StoredRow("cam-a", day(360), day(360.01)),  # within retention
    ]
    holds = [hold(319, 321, placed=320)]
    line = camera_register(CAM, PERIOD, stored=stored, destructions=[], holds=holds, exports=[])
    assert (line.overdue, line.beyond_retention, line.retention_held) == (1, 0, False)
    assert line.oldest_kept == day(300)


def test_destructions_by_month_use_the_site_clock() -> None:
    # 31/01 23:30 UTC is already February in Paris.
    late_january = T0 + timedelta(days=30, hours=23, minutes=30)
    rows = [DestructionRow("cam-a", late_january, day(1), day(1)), destroyed(3, 1)]
    assert destructions_by_month(rows, PERIOD, ZoneInfo("Europe/Paris")) == [
        ("2026-01", "cam-a", 1),
        ("2026-02", "cam-a", 1),
    ]


def test_holds_over_a_period_are_those_in_force_at_some_moment() -> None:
    holds = [hold(1, 2, placed=-30, released=-1), hold(1, 2, placed=-5), hold(1, 2, placed=400)]
    assert [h.placed_at for h in holds_over(holds, PERIOD)] == [day(-5)]


def _req(ref: str, **kw: object) -> RequisitionRow:
    base: dict[str, object] = {
        "reference": ref,
        "kind": "judicial",
        "requester": "Parquet",
        "received_at": day(10),
        "deadline": day(17),
        "status": "received",
    }
    return RequisitionRow(**{**base, **kw})  # type: ignore[arg-type]


def test_requests_are_counted_with_delays_and_lateness_by_kind() -> None:
    rows = [
        _req("A", status="delivered", handed_over_at=day(13)),  # 3 days, on time
        _req("B", status="delivered", handed_over_at=day(20)),  # 10 days, late
        _req("C", status="refused", decided_at=day(11), refusal_reason="hors délai"),
        _req("D", status="in_progress"),  # open past its deadline at the period's end
        _req("E", kind="access", deadline=day(40), status="received", received_at=day(360)),
        _req("F", received_at=day(-3)),  # before the period
    ]
    judicial, access = requisition_figures(rows, PERIOD)
    assert (judicial.received, judicial.delivered, judicial.refused, judicial.open) == (4, 2, 1, 1)
    assert judicial.late == 2
    assert (judicial.median_delay_days, judicial.longest_delay_days) == (6.5, 10.0)
    assert (access.received, access.open, access.late) == (1, 1, 1)
    sent = delivered_to_prosecutor(rows, PERIOD)
    assert [r.reference for r in sent] == ["A", "B"]


def test_a_case_counts_as_an_export_of_each_of_its_cameras() -> None:
    case = ExportRow(
        day(5), "cam-a", day(1), day(2), "judicial", "PV-2", "OPJ", "ef", ("cam-a", "cam-b")
    )
    assert dict(exports_by([case], PERIOD)["camera"]) == {"cam-a": 1, "cam-b": 1}
    b = CameraRow("cam-b", "B", 10, None)
    line = camera_register(b, PERIOD, stored=[], destructions=[], holds=[], exports=[case])
    assert line.judicial_exports == 1


def test_accesses_pivot_by_role_and_camera() -> None:
    counts = [
        AccessCount("operator", "cam-a", "video.live", "granted", 5),
        AccessCount("operator", "cam-a", "video.playback", "granted", 2),
        AccessCount("operator", "cam-b", "video.playback", "denied", 1),
        AccessCount("supervisor", "cam-a", "video.export.download", "granted", 1),
        AccessCount("privacy_officer", None, "audit.search", "granted", 3),
        AccessCount(None, "cam-a", "retention.destroy", "granted", 100),
    ]
    by_role = dict(access_table(counts, "role"))
    assert by_role["operator"] == {
        "live": 5,
        "snapshot": 0,
        "playback": 2,
        "export": 0,
        "download": 0,
        "other": 0,
        "denied": 1,
        "total": 8,
    }
    assert by_role["privacy_officer"]["other"] == 3 and None not in by_role
    by_camera = dict(access_table(counts, "camera"))
    assert by_camera["cam-a"]["other"] == 100 and by_camera["cam-a"]["download"] == 1
    assert by_camera["cam-b"]["denied"] == 1


def test_analytics_in_force() -> None:
    rows = [
        AnalyticsRow("a", True, "Décret 2023-828", date(2026, 6, 30), ("fallen_person",)),
        AnalyticsRow("b", True, "Décret", date(2025, 12, 31)),
        AnalyticsRow("c", False, None, None),
    ]
    assert [r.camera_id for r in analytics_active(rows, PERIOD)] == ["a"]
