"""The privacy officer's audit: each search, summary and export is authorised and logged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo
from typing import Any

from pydantic import BaseModel

from csu.db import Database
from csu.identity.models import User
from csu.identity.roles import Role
from privacy.access_log import AccessLog, AccessRecord, Outcome
from privacy.access_log.rows import stream_rows
from privacy.audit.export import ExportFormat, export_lines
from privacy.audit.search import (
    MAX_PAGE,
    AccessQuery,
    AuditEntry,
    InvalidPeriod,
    check_period,
    search_entries,
)
from privacy.audit.stats import DEFAULT_THRESHOLDS, Thresholds
from privacy.audit.summary import ActivitySummary, SummaryBy, summarise
from privacy.audit.unusual import unusual_flags
from privacy.audit.verification import ChainVerification, VerificationStatus
from privacy.guard import no_right
from privacy.policy import Action, role_allows

# The package's face: the audit service, and what callers use with it (defined where they
# belong): the search, its page and its filters, the summaries, the export formats, the chain's
# verification.
__all__ = [
    "MAX_PAGE",
    "AccessPage",
    "AccessQuery",
    "ActivitySummary",
    "AuditService",
    "ExportFormat",
    "Outcome",
    "SummaryBy",
    "VerificationStatus",
    "export_rows",
]

SEARCH = "audit.search"
SUMMARY = "audit.summary"
EXPORT = "audit.export"
VERIFY = "audit.verify"
MAX_SUMMARY_DAYS = 366


class AccessPage(BaseModel):
    """A page of entries, newest first, with the count of all that match."""

    total: int
    items: list[AuditEntry]


class AuditService:
    """Reads the access log for the privacy officer; every read leaves its own entry."""

    def __init__(
        self,
        db: Database,
        access_log: AccessLog,
        zone: tzinfo,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        verification: ChainVerification | None = None,
    ) -> None:
        self._db = db
        self._log = access_log
        self._zone = zone
        self._thresholds = thresholds
        self._verification = verification

    def search(self, *, actor: User, client: str | None, query: AccessQuery) -> AccessPage:
        """Matching entries with their unusual-access flags; logged before it is answered."""
        filters = query.filters()
        self._authorise(actor, client, SEARCH, filters)
        with self._db.session() as session:
            items, total = search_entries(session, query)
        subjects = [(e.seq, e.at, e.action, e.user) for e in items]
        flags = unusual_flags(self._db, subjects, self._zone, self._thresholds)
        for item in items:
            item.unusual = flags.get(item.seq, [])
        self._record(actor, client, SEARCH, {"filters": filters, "total": total})
        return AccessPage(total=total, items=items)

    def summary(
        self, *, actor: User, client: str | None, by: SummaryBy, since: datetime, until: datetime
    ) -> list[ActivitySummary]:
        """Per-camera or per-user activity in [since, until); logged before it is answered."""
        check_period(since, until)
        filters = {"by": by.value, "since": since.isoformat(), "until": until.isoformat()}
        self._authorise(actor, client, SUMMARY, filters)
        if until - since > timedelta(days=MAX_SUMMARY_DAYS):
            raise InvalidPeriod(
                f"the period may not exceed {MAX_SUMMARY_DAYS} days",
                key="errors.footage.days",
                days=MAX_SUMMARY_DAYS,
            )
        found = summarise(
            self._db, by=by, since=since, until=until, zone=self._zone, thresholds=self._thresholds
        )
        self._record(actor, client, SUMMARY, {"filters": filters, "groups": len(found)})
        return found

    def export(
        self,
        *,
        actor: User,
        client: str | None,
        since: datetime | None,
        until: datetime | None,
        fmt: ExportFormat,
    ) -> Iterator[str]:
        """The entries in [since, until) in chain order as lines of `fmt`, once the export itself
        is logged."""
        check_period(since, until)
        filters = {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "format": fmt.value,
        }
        self._authorise(actor, client, EXPORT, filters)
        self._record(actor, client, EXPORT, {"filters": filters})
        return export_lines(stream_rows(self._db, since=since, until=until), fmt)

    def verification(self, *, actor: User, client: str | None, fresh: bool) -> VerificationStatus:
        """The last chain verification, or a new one (slow: call it off the event loop)."""
        if self._verification is None:
            raise RuntimeError("chain verification is not configured")
        self._authorise(actor, client, VERIFY, {"fresh": fresh})
        self._record(actor, client, VERIFY, {"fresh": fresh})
        last = self._verification.last
        return last if last is not None and not fresh else self._verification.run()

    def _authorise(
        self, actor: User, client: str | None, action: str, filters: dict[str, Any]
    ) -> None:
        if actor.active and role_allows(Role(actor.role), Action.AUDIT_READ):
            return
        self._record(actor, client, action, {"filters": filters}, outcome=Outcome.DENIED)
        raise no_right(Action.AUDIT_READ)

    def _record(
        self,
        actor: User,
        client: str | None,
        action: str,
        details: dict[str, Any],
        *,
        outcome: Outcome = Outcome.GRANTED,
    ) -> None:
        record = AccessRecord(
            action=action,
            user=actor.username,
            role=actor.role,
            client=client,
            outcome=outcome,
            details=details,
        )
        self._log.append(record)


def export_rows(
    db: Database,
    access_log: AccessLog,
    *,
    operator: str,
    since: datetime | None,
    until: datetime | None,
    fmt: str,
) -> Iterator[dict[str, Any]]:
    """The entries to export, once the export itself is logged (the command line's path)."""
    filters = {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "format": fmt,
    }
    access_log.append(
        AccessRecord(action=EXPORT, client="cli", details={"os_user": operator, **filters})
    )
    return stream_rows(db, since=since, until=until)
