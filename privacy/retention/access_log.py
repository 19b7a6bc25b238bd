"""Pruning access-log entries past retention while the rest stays verifiable."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from csu.db import Database, UtcDateTime
from privacy.access_log import AccessLog, AccessLogUnavailable, AccessRecord
from privacy.access_log.checkpoints import Checkpointer
from privacy.access_log.protection import prune_through

log = logging.getLogger(__name__)

PRUNE_ACTION = "retention.access_log_prune"


@dataclass(frozen=True)
class PruneResult:
    """What one pruning run removed."""

    cutoff: datetime
    through_seq: int
    deleted: int


def prunable_through(db: Database, cutoff: datetime) -> int | None:
    """The last entry that may go: every entry up to it is older than cutoff; None if none."""
    statement = sa.text(
        "SELECT min(seq), max(seq),"
        " min(CASE WHEN at < :cutoff THEN seq END),"
        " min(CASE WHEN at >= :cutoff THEN seq END)"
        " FROM access_log"
    ).bindparams(sa.bindparam("cutoff", type_=UtcDateTime))
    with db.engine.connect() as conn:
        first, head, oldest_old, oldest_kept = conn.execute(statement, {"cutoff": cutoff}).one()
    if oldest_old is None:
        return None
    # Stop before the first entry still within retention, even if older ones follow it.
    through = int(oldest_kept) - 1 if oldest_kept is not None else int(head)
    return through if through >= int(first) else None


def prune_access_log(
    db: Database,
    access_log: AccessLog,
    checkpointer: Checkpointer,
    *,
    retention_days: int,
    now: datetime | None = None,
) -> PruneResult | None:
    """Remove entries past retention: logged first, then anchored by a signed checkpoint."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    through = prunable_through(db, cutoff)
    if through is None:
        return None
    # Logged before anything goes; if the entry cannot be written, nothing is pruned.
    access_log.append(
        AccessRecord(
            action=PRUNE_ACTION,
            details={
                "retention_days": retention_days,
                "cutoff": cutoff.isoformat(),
                "through_entry": through,
            },
        )
    )
    # The signed anchor lets verify start at entry through + 1 once the rest is gone.
    checkpointer.anchor(through)
    deleted = prune_through(db, through)
    log.info("access log pruned: %d entries through %d (before %s)", deleted, through, cutoff)
    return PruneResult(cutoff=cutoff, through_seq=through, deleted=deleted)


def prune_job(
    db: Database, access_log: AccessLog, checkpointer: Checkpointer, retention_days: int
) -> None:
    """Scheduled pruning; a log that cannot be written postpones it to the next run."""
    try:
        prune_access_log(db, access_log, checkpointer, retention_days=retention_days)
    except AccessLogUnavailable as exc:
        log.error("access-log pruning postponed: %s", exc)
