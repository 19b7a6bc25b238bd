"""A seeded half-year for the ethics report: real rows in every table the report reads."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from csu.db import Database
from privacy.access_log import AccessLog, AccessRecord, Outcome
from video.recording.models import LegalHold, RecordingSegment
from video.requisitions.kinds import access_deadline
from video.requisitions.models import Requisition

SITE = textwrap.dedent(
    """
    site: {name: Testville, timezone: Europe/Paris}
    cameras:
      - id: cam-street
        name: Street
        source: demo://street
        retention_days: 15
        authorisation: "Arrêté préfectoral n° 2024-VP-0117 du 12/03/2024"
        recording: {mode: "off"}
      - id: cam-plaza
        name: Plaza
        source: demo://plaza
        retention_days: 10
        recording: {mode: "off"}
    walls:
      - {id: csu-main, name: CSU wall, grid: [2, 2]}
    """
)
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = datetime(2026, 7, 1, tzinfo=UTC)


def day(n: float, hour: float = 12) -> datetime:
    """Day n of the period at an hour (UTC)."""
    return SINCE + timedelta(days=n, hours=hour)


@dataclass(frozen=True)
class Seeded:
    """What was put in, for the test to compare the report with."""

    destroyed_street: int = 20
    destroyed_plaza: int = 3
    late_plaza: int = 1
    live_views: int = 60
    playbacks: int = 2
    denied: int = 1


def _destroy(log: AccessLog, camera: str, at: datetime, start: datetime, days: int) -> None:
    span_end = start + timedelta(minutes=10)
    record = AccessRecord(
        action="retention.destroy",
        camera_id=camera,
        span_start=start,
        span_end=span_end,
        details={"store": "recordings", "ref": "1", "retention_days": days},
    )
    log.append(record, at=at)


def seed_log(log: AccessLog) -> Seeded:
    """Destructions, views, a refusal, an unusual access and two finished exports."""
    seeded = Seeded()
    for n in range(seeded.destroyed_street):
        _destroy(log, "cam-street", day(20 + n), day(5 + n), 15)
    _destroy(log, "cam-plaza", day(40), day(29), 10)
    _destroy(log, "cam-plaza", day(41), day(30), 10)
    _destroy(log, "cam-plaza", day(90), day(50), 10)  # 40 days: past retention, no hold
    # An operator's usual afternoons, then one night's look: the audit flags it.
    for n in range(seeded.live_views - 1):
        live = AccessRecord(
            action="video.live", user="operator", role="operator", camera_id="cam-street"
        )
        log.append(live, at=day(100 + n // 2, hour=13 + n % 2))
    night = AccessRecord(
        action="video.live", user="operator", role="operator", camera_id="cam-street"
    )
    log.append(night, at=day(131, hour=1))
    for n in range(seeded.playbacks):
        play = AccessRecord(
            action="video.playback",
            user="supervisor",
            role="supervisor",
            camera_id="cam-plaza",
            reason="plainte",
        )
        log.append(play, at=day(60 + n))
    refused = AccessRecord(
        action="video.playback",
        user="operator",
        role="operator",
        camera_id="cam-plaza",
        outcome=Outcome.DENIED,
    )
    log.append(refused, at=day(61))
    for purpose, camera, requisition, recipient in (
        ("judicial", "cam-street", "PV-49-2026-0042", "OPJ Durand"),
        ("public_request", "cam-plaza", None, "Mme Martin"),
    ):
        done = AccessRecord(
            action="video.export.done",
            user="supervisor",
            camera_id=camera,
            span_start=day(9),
            span_end=day(9, hour=13),
            requisition=requisition,
            details={"purpose": purpose, "recipient": recipient, "manifest_sha256": "ab" * 32},
        )
        log.append(done, at=day(12))
    # A case over both cameras for the second requisition: one export, each camera's footage.
    spans = [
        ["cam-street", day(29).isoformat(), day(29, hour=14).isoformat()],
        ["cam-plaza", day(29).isoformat(), day(29, hour=14).isoformat()],
    ]
    case = AccessRecord(
        action="video.export.done",
        user="supervisor",
        camera_id="cam-street",
        span_start=day(29),
        span_end=day(29, hour=14),
        requisition="PV-49-2026-0077",
        details={
            "purpose": "judicial",
            "recipient": "OPJ Durand",
            "manifest_sha256": "cd" * 32,
            "case": True,
            "incident_id": 12,
            "spans": spans,
        },
    )
    log.append(case, at=day(37))
    return seeded


def seed_tables(db: Database) -> None:
    """Stored segments, holds and requisitions."""
    with db.session() as s:
        for n in range(3):
            s.add(
                RecordingSegment(
                    camera_id="cam-street",
                    rendition="zones",
                    path=f"cam-street/{n}.mp4",
                    start=day(170 + n),
                    end=day(170 + n) + timedelta(seconds=10),
                    size_bytes=1000,
                )
            )
        # A segment the purge missed: past cam-plaza's 10 days at the period's end, no hold.
        s.add(
            RecordingSegment(
                camera_id="cam-plaza",
                rendition="zones",
                path="cam-plaza/0.mp4",
                start=day(100),
                end=day(100) + timedelta(seconds=10),
                size_bytes=1000,
            )
        )
        s.add(
            LegalHold(
                camera_id="cam-street",
                start=day(9),
                end=day(9, hour=13),
                requisition="PV-49-2026-0042",
                officer="OPJ Durand",
                reason="Agression place du Ralliement",
                placed_by="supervisor",
                placed_at=day(10),
            )
        )
        for ref, received, deadline, status, handed in (
            ("PV-49-2026-0042", day(9), day(16), "delivered", day(12)),
            ("PV-49-2026-0077", day(30), day(35), "delivered", day(38)),  # late
            ("PV-49-2026-0101", day(80), day(87), "refused", None),
            ("PV-49-2026-0150", day(170), day(175), "in_progress", None),  # open, late at end
        ):
            s.add(
                Requisition(
                    reference=ref,
                    authority="Parquet du tribunal judiciaire d'Angers",
                    officer="OPJ Durand",
                    received_at=received,
                    legal_basis="Art. 77-1-1 CPP",
                    requested=[],
                    deadline=deadline,
                    status=status,
                    refusal_reason="images détruites" if status == "refused" else None,
                    recipient="OPJ Durand" if handed else None,
                    handed_over_at=handed,
                    medium="clé USB" if handed else None,
                    created_by="supervisor",
                    created_at=received,
                    updated_at=handed or received + timedelta(days=1),
                )
            )
        # A person's request for footage of themselves: delivered in ten days, on time, and
        # never counted as footage sent to the prosecutor.
        s.add(
            Requisition(
                reference="DA-2026-0003",
                kind="access",
                requester="Mme Martin",
                received_at=day(100),
                legal_basis="gdpr_art15",
                requested=[],
                deadline=access_deadline(day(100), ZoneInfo("Europe/Paris")),
                status="delivered",
                recipient="Mme Martin",
                handed_over_at=day(110),
                medium="lien de téléchargement",
                created_by="supervisor",
                created_at=day(100),
                updated_at=day(110),
            )
        )
