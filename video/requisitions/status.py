"""A requisition's life, as pure rules: which status may follow which, and what each needs.

received -> in progress -> delivered; received or in progress -> refused. Delivered needs the
hand-over (recipient, date, medium); refused needs its reason. Delivered and refused are final.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from csu.errors import Conflict, Invalid, term


class RequisitionStatus(StrEnum):
    """Where a requisition stands."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    REFUSED = "refused"


NEXT: dict[RequisitionStatus, frozenset[RequisitionStatus]] = {
    RequisitionStatus.RECEIVED: frozenset(
        {RequisitionStatus.IN_PROGRESS, RequisitionStatus.REFUSED}
    ),
    RequisitionStatus.IN_PROGRESS: frozenset(
        {RequisitionStatus.DELIVERED, RequisitionStatus.REFUSED}
    ),
    RequisitionStatus.DELIVERED: frozenset(),
    RequisitionStatus.REFUSED: frozenset(),
}


class RequisitionTransitionInvalid(Conflict):
    """The requisition cannot move to that status from where it stands."""


class RequisitionStatusIncomplete(Invalid):
    """The new status lacks what it needs: a refusal's reason, a delivery's hand-over."""


def status_term(status: RequisitionStatus) -> object:
    """The status as people read it."""
    return term(f"errors.requisitions.status.{status.value}")


def check_transition(
    old: RequisitionStatus,
    new: RequisitionStatus,
    *,
    refusal_reason: str | None,
    handed_over: bool,
) -> None:
    """Raise unless `old` may become `new` with what was given."""
    if new not in NEXT[old]:
        raise RequisitionTransitionInvalid(
            f"a requisition cannot go from {old.value} to {new.value}",
            key="errors.requisitions.transition",
            old=status_term(old),
            new=status_term(new),
        )
    if new is RequisitionStatus.REFUSED and not (refusal_reason or "").strip():
        raise RequisitionStatusIncomplete(
            "a refused requisition needs the reason for the refusal",
            key="errors.requisitions.refusal_reason",
        )
    if new is RequisitionStatus.DELIVERED and not handed_over:
        raise RequisitionStatusIncomplete(
            "a delivered requisition needs its hand-over (recipient, date, medium)",
            key="errors.requisitions.handover",
        )


def is_late(status: RequisitionStatus, deadline: datetime | None, now: datetime) -> bool:
    """Whether the deadline has passed with the record still unanswered (neither delivered nor
    refused)."""
    return deadline is not None and now > deadline and bool(NEXT[status])
