"""Destroying footage past its camera's retention, each destruction logged with its span.

Recording stores plug in through FootageStore; the job asks each for spans older than the
camera's retention (legal holds are the store's to exclude) and destroys them one by one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from privacy.access_log import AccessLog, AccessRecord, Outcome

log = logging.getLogger(__name__)

DESTROY_ACTION = "retention.destroy"


@dataclass(frozen=True)
class FootageSpan:
    """A stretch of stored footage the store can destroy as one piece."""

    camera_id: str
    start: datetime
    end: datetime
    ref: str  # the store's own name for it (segment file, clip id)


class FootageStore(Protocol):
    """Anything that keeps footage: recorder segments, clips, exports."""

    name: str

    def expired(self, camera_id: str, before: datetime) -> Sequence[FootageSpan]:
        """Spans of this camera that ended before `before` and are under no legal hold."""
        ...

    def destroy(self, span: FootageSpan) -> None:
        """Remove the span for good."""
        ...


def purge_footage(
    stores: Sequence[FootageStore],
    retention_days: Mapping[str, int],
    access_log: AccessLog,
    *,
    now: datetime | None = None,
) -> list[FootageSpan]:
    """Destroy every span past retention, logging each before it goes; returns those destroyed."""
    moment = now or datetime.now(UTC)
    destroyed = []
    for store in stores:
        for camera_id, days in retention_days.items():
            for span in store.expired(camera_id, moment - timedelta(days=days)):
                if _destroy(store, span, days, access_log):
                    destroyed.append(span)
    return destroyed


def _destroy(store: FootageStore, span: FootageSpan, days: int, access_log: AccessLog) -> bool:
    return destroy_logged(store, span, {"retention_days": days}, access_log)


def destroy_logged(
    store: FootageStore, span: FootageSpan, why: dict[str, object], access_log: AccessLog
) -> bool:
    """Log the destruction, then destroy; a failure is logged too. True when it is gone."""
    details = {"store": store.name, "ref": span.ref, **why}
    access_log.append(_record(span, Outcome.GRANTED, details))
    try:
        store.destroy(span)
    except OSError as exc:
        log.error("could not destroy %s %s: %s", store.name, span.ref, exc)
        access_log.append(_record(span, Outcome.FAILED, {**details, "error": str(exc)}))
        return False
    return True


def _record(span: FootageSpan, outcome: Outcome, details: dict[str, object]) -> AccessRecord:
    return AccessRecord(
        action=DESTROY_ACTION,
        camera_id=span.camera_id,
        span_start=span.start,
        span_end=span.end,
        outcome=outcome,
        details=details,
    )
