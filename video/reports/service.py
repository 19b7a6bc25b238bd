"""The ethics committee's report for any period: read, build the figures, print, sign, log.

For the privacy officer and the administrator (right report.ethics); a refusal is logged like
every oversight read. The document (HTML or PDF) is signed like an export, with the evidence key:
its SHA-256 and a raw Ed25519 signature over its bytes travel with it, and the access-log entry
of the report records the same hash, so a printed or forwarded copy can be matched to its entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from csu.config import SiteConfig
from csu.db import Database
from csu.errors import Invalid
from csu.i18n import SiteClock
from csu.identity.models import User
from csu.identity.roles import Role
from csu.settings import Settings
from privacy.access_log import AccessLog, AccessRecord, Outcome
from privacy.audit.search import check_period
from privacy.audit.verification import ChainVerification, VerificationStatus, VerifySources
from privacy.guard import no_right
from privacy.policy import Action, role_allows
from privacy.service import held_grants_in
from video.evidence.manifest import evidence_signer
from video.reports import reading
from video.reports.document import render, style_source
from video.reports.pdf import pdf_of
from video.reports.report import ChainResult, Inputs, Report, build_report
from video.reports.rows import Period

REPORT_ACTION = Action.ETHICS_REPORT.value
DEFAULT_DAYS = 365
MAX_DAYS = 3 * 366


class ReportFormat(StrEnum):
    """What the report is printed as."""

    HTML = "html"
    PDF = "pdf"


MEDIA_TYPES = {ReportFormat.HTML: "text/html; charset=utf-8", ReportFormat.PDF: "application/pdf"}


# The printed page runs nothing and loads nothing: its one style element, by its hash.
PAGE_POLICY = (
    f"default-src 'none'; style-src {style_source()}; img-src 'none'; base-uri 'none';"
    " form-action 'none'; frame-ancestors 'none'"
)


class ReportPeriodTooLong(Invalid):
    """A period longer than the report covers."""


@dataclass(frozen=True)
class SignedReport:
    """The document, its hash and signature, and the key that made it."""

    content: bytes
    format: ReportFormat
    sha256: str
    signature: str  # hex Ed25519 over `content`
    key_id: str
    period: Period

    @property
    def media_type(self) -> str:
        """The HTTP content type."""
        return MEDIA_TYPES[self.format]

    @property
    def filename(self) -> str:
        """A file name saying what and when."""
        p = self.period
        return f"rapport-ethique-{p.since:%Y%m%d}-{p.until:%Y%m%d}.{self.format.value}"


def report_period(since: datetime | None, until: datetime | None, now: datetime) -> Period:
    """The period asked for: until defaults to now, since to a year before until."""
    check_period(since, until)
    end = until or now
    start = since or end - timedelta(days=DEFAULT_DAYS)
    check_period(start, end)
    if end - start > timedelta(days=MAX_DAYS):
        raise ReportPeriodTooLong(
            f"the period may not exceed {MAX_DAYS} days", key="errors.footage.days", days=MAX_DAYS
        )
    return Period(start, end)


def chain_result(status: VerificationStatus) -> ChainResult:
    """The verification as the report states it."""
    return ChainResult(
        ok=status.ok,
        entries=status.entries,
        checkpoints=status.checkpoints,
        problem_count=status.problem_count,
        problems=tuple(status.problems),
        checked_at=status.checked_at,
        latest_checkpoint_at=status.latest_checkpoint_at,
    )


class EthicsReports:
    """Makes the signed report; reads happen here, the figures are pure (video.reports.*)."""

    def __init__(
        self,
        db: Database,
        access_log: AccessLog,
        site: SiteConfig,
        settings: Settings,
        verification: ChainVerification | None = None,
    ) -> None:
        self._db = db
        self._log = access_log
        self._site = site
        self._settings = settings
        self._verification = verification or ChainVerification(
            db, VerifySources.from_settings(settings)
        )

    def report(
        self,
        *,
        actor: User,
        client: str | None,
        since: datetime | None,
        until: datetime | None,
        fmt: ReportFormat,
        now: datetime | None = None,
    ) -> SignedReport:
        """The signed report for [since, until); AccessDenied (logged) without the right.
        Slow (reads the period, verifies the chain): call it off the event loop."""
        moment = now or datetime.now(UTC)
        period = report_period(since, until, moment)
        asked = {"since": period.since.isoformat(), "until": period.until.isoformat()}
        asked["format"] = fmt.value
        self._authorise(actor, client, asked)
        signer = evidence_signer(self._settings.data_dir)
        html = render(self.figures(period, moment), self.clock(), **self._names(signer.key_id))
        content = pdf_of(html) if fmt is ReportFormat.PDF else html.encode()
        digest = hashlib.sha256(content).hexdigest()
        signed = SignedReport(content, fmt, digest, signer.sign(content), signer.key_id, period)
        details = {**asked, "sha256": digest, "signing_key_id": signer.key_id}
        self._record(actor, client, {**details, "bytes": len(content)}, Outcome.GRANTED)
        return signed

    def figures(self, period: Period, now: datetime) -> Report:
        """The report's figures for the period, read now."""
        cameras, analytics = reading.camera_rows(self._db, self._site)
        with self._db.session() as session:
            inputs = Inputs(
                period=period,
                cameras=cameras,
                analytics=analytics,
                stored=reading.stored_rows(session, cameras, period.until),
                destructions=reading.destruction_rows(session, period),
                holds=reading.hold_rows(session, period),
                exports=reading.export_rows(session, period),
                requisitions=reading.requisition_rows(session, period),
                accesses=reading.access_counts(session, period),
                authorisations=held_grants_in(session),
            )
        inputs.unusual = reading.unusual_rows(self._db, period, self.clock().tzinfo)
        inputs.chain = chain_result(self._verification.run())
        return build_report(inputs, made_at=now, zone_name=self._site.site.timezone)

    def clock(self) -> SiteClock:
        """The site's language and clock, which the report is written in."""
        return SiteClock(self._site.site.language, self._site.site.timezone)

    def _names(self, key_id: str) -> dict[str, str]:
        return {"site_name": self._site.site.name, "key_id": key_id}

    def _authorise(self, actor: User, client: str | None, asked: dict[str, Any]) -> None:
        if actor.active and role_allows(Role(actor.role), Action.ETHICS_REPORT):
            return
        self._record(actor, client, asked, Outcome.DENIED)
        raise no_right(Action.ETHICS_REPORT)

    def _record(
        self, actor: User, client: str | None, details: dict[str, Any], outcome: Outcome
    ) -> None:
        self._log.append(
            AccessRecord(
                action=REPORT_ACTION,
                user=actor.username,
                role=actor.role,
                client=client,
                outcome=outcome,
                details=details,
            )
        )
