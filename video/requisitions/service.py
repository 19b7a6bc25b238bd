"""The requisitions register: supervisors record and follow judicial requisitions and
right-of-access requests, the privacy officer reads.

Every change is written to the access log before it is stored, with the record before and after;
a refused attempt (no right) is logged too. One place decides who may: privacy.policy's rights.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlmodel import col, select

from csu.db import Database
from csu.errors import Malformed, NotFound
from privacy.access_log import AccessLog, AccessRecord, Outcome
from privacy.guard import no_right, role_refusal
from privacy.policy import Action
from privacy.rights import Requester
from video.recording.models import LegalHold
from video.requisitions.exports_made import ExportMade, exports_made
from video.requisitions.kinds import (
    AccessBasis,
    RequisitionIncomplete,
    RequisitionKind,
    access_deadline,
    check_record,
)
from video.requisitions.models import Requisition
from video.requisitions.status import RequisitionStatus, check_transition, is_late

REQUISITION_CREATE = "requisition.create"
REQUISITION_UPDATE = "requisition.update"
REQUISITION_READ = "requisition.read"
MAX_LISTED = 500


class RequisitionNotFound(NotFound):
    """No such requisition."""


class RequisitionSpanInvalid(Malformed):
    """A requested span that ends before it starts."""


@dataclass(frozen=True)
class RequestedSpan:
    """One camera's footage the requisition asks for, over [start, end)."""

    camera_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class NewRequisition:
    """A requisition (authority and officer) or an access request (requester; the legal basis
    is an AccessBasis and the deadline the law's) as received."""

    reference: str
    authority: str | None
    officer: str | None
    received_at: datetime
    legal_basis: str
    requested: tuple[RequestedSpan, ...] = ()
    deadline: datetime | None = None
    kind: RequisitionKind = RequisitionKind.JUDICIAL
    requester: str | None = None


@dataclass(frozen=True)
class Handover:
    """How the footage left the centre: to whom, when, on what, and the receipt's reference."""

    recipient: str
    handed_over_at: datetime
    medium: str
    receipt: str | None = None


@dataclass(frozen=True)
class RequisitionChange:
    """A new status (with its refusal reason) and/or the hand-over."""

    status: RequisitionStatus | None = None
    refusal_reason: str | None = None
    handover: Handover | None = None


def snapshot(req: Requisition) -> dict[str, Any]:
    """The record as the access log keeps it (before/after a change)."""
    return req.model_dump(mode="json", exclude={"created_by", "created_at", "updated_at"})


class RequisitionService:
    """Stores, changes and lists requisitions, logging each change first."""

    def __init__(self, db: Database, access_log: AccessLog) -> None:
        self._db = db
        self._log = access_log

    def create(
        self,
        new: NewRequisition,
        who: Requester,
        *,
        now: datetime | None = None,
        zone: tzinfo = UTC,
    ) -> Requisition:
        """Log, then store the record as received (an access request's deadline counted on the
        site's clock, `zone`); AccessDenied (logged) without the right."""
        for span in new.requested:
            if span.end <= span.start:
                raise RequisitionSpanInvalid("end must be after start", key="errors.footage.order")
        check_record(
            new.kind,
            authority=new.authority,
            officer=new.officer,
            requester=new.requester,
            legal_basis=new.legal_basis,
            deadline=new.deadline,
        )
        deadline = new.deadline
        if new.kind is RequisitionKind.ACCESS:
            deadline = access_deadline(new.received_at, zone)
        at = now or datetime.now(UTC)
        req = Requisition(
            reference=new.reference,
            kind=new.kind.value,
            authority=new.authority,
            officer=new.officer,
            requester=new.requester,
            received_at=new.received_at,
            legal_basis=new.legal_basis,
            requested=[_span_json(s) for s in new.requested],
            deadline=deadline,
            status=RequisitionStatus.RECEIVED.value,
            created_by=who.viewer.username,
            created_at=at,
            updated_at=at,
        )
        after = snapshot(req)
        self._authorise(Action.REQUISITION_MANAGE, REQUISITION_CREATE, who, new.reference, after)
        with self._db.session() as session:
            session.add(req)
            session.flush()
            session.refresh(req)
        return req

    def update(
        self,
        requisition_id: int,
        change: RequisitionChange,
        who: Requester,
        *,
        now: datetime | None = None,
    ) -> Requisition:
        """Check the change, log it with the record before and after, then store it."""
        if not who.viewer.has(Action.REQUISITION_MANAGE):
            self._deny(Action.REQUISITION_MANAGE, REQUISITION_UPDATE, who, {"id": requisition_id})
        req = self._find(requisition_id)
        before = snapshot(req)
        changed = _applied(req, change)
        if change.status is not None:
            check_transition(
                RequisitionStatus(req.status),
                change.status,
                refusal_reason=changed.refusal_reason,
                handed_over=changed.handed_over_at is not None,
            )
        changed.updated_at = now or datetime.now(UTC)
        details = {"id": requisition_id, "before": before, "after": snapshot(changed)}
        self._authorise(Action.REQUISITION_MANAGE, REQUISITION_UPDATE, who, req.reference, details)
        with self._db.session() as session:
            session.merge(changed)
        return self._find(requisition_id)

    def get(self, requisition_id: int, who: Requester) -> Requisition:
        """One requisition, to whoever may read the register."""
        self._check_read(who, {"id": requisition_id})
        return self._find(requisition_id)

    def search(
        self,
        who: Requester,
        *,
        status: RequisitionStatus | None = None,
        kind: RequisitionKind | None = None,
    ) -> list[Requisition]:
        """The register, newest received first, maybe of one status and/or one kind."""
        asked = {"status": status, "kind": kind}
        self._check_read(who, {name: v.value for name, v in asked.items() if v is not None})
        query = select(Requisition).order_by(
            col(Requisition.received_at).desc(), col(Requisition.id).desc()
        )
        if status is not None:
            query = query.where(col(Requisition.status) == status.value)
        if kind is not None:
            query = query.where(col(Requisition.kind) == kind.value)
        with self._db.session() as session:
            return list(session.exec(query.limit(MAX_LISTED)))

    def exists(self, requisition_id: int) -> bool:
        """True when the requisition is in the register (exports and holds name one)."""
        with self._db.session() as session:
            return session.get(Requisition, requisition_id) is not None

    def is_access_request(self, reference: str) -> bool:
        """True when a right-of-access request of the register bears this reference."""
        query = select(Requisition.id).where(
            col(Requisition.reference) == reference,
            col(Requisition.kind) == RequisitionKind.ACCESS.value,
        )
        with self._db.session() as session:
            return session.exec(query.limit(1)).first() is not None

    def known(self, requisition_id: int) -> None:
        """Raise RequisitionNotFound unless the requisition is in the register."""
        self._find(requisition_id)

    def holds_for(self, requisition_id: int) -> list[LegalHold]:
        """The legal holds placed for the requisition, oldest first."""
        query = (
            select(LegalHold)
            .where(col(LegalHold.requisition_id) == requisition_id)
            .order_by(col(LegalHold.placed_at), col(LegalHold.id))
        )
        with self._db.session() as session:
            return list(session.exec(query))

    def exports_for(self, req: Requisition) -> list[ExportMade]:
        """The exports finished for the record (they name its reference), oldest first, as the
        access log has them."""
        with self._db.session() as session:
            return exports_made(session, req.reference)

    def _find(self, requisition_id: int) -> Requisition:
        with self._db.session() as session:
            req = session.get(Requisition, requisition_id)
        if req is None:
            raise RequisitionNotFound(
                f"no requisition {requisition_id}",
                key="errors.requisitions.unknown",
                requisition=requisition_id,
            )
        return req

    def _check_read(self, who: Requester, details: dict[str, Any]) -> None:
        # A read shows no picture: only a refusal is logged.
        if role_refusal(who.viewer.user, Action.REQUISITION_READ) is not None:
            self._deny(Action.REQUISITION_READ, REQUISITION_READ, who, details)

    def _authorise(
        self,
        action: Action,
        logged_as: str,
        who: Requester,
        reference: str,
        details: dict[str, Any],
    ) -> None:
        why = role_refusal(who.viewer.user, action)
        if why is not None:
            self._deny(action, logged_as, who, details, reference=reference)
        self._log.append(self._record(logged_as, who, details, reference, Outcome.GRANTED))

    def _deny(
        self,
        action: Action,
        logged_as: str,
        who: Requester,
        details: dict[str, Any],
        *,
        reference: str | None = None,
    ) -> None:
        why = role_refusal(who.viewer.user, action) or "no right"
        record = self._record(logged_as, who, {**details, "why": why}, reference, Outcome.DENIED)
        self._log.append(record)
        raise no_right(action)

    @staticmethod
    def _record(
        logged_as: str,
        who: Requester,
        details: dict[str, Any],
        reference: str | None,
        outcome: Outcome,
    ) -> AccessRecord:
        return AccessRecord(
            action=logged_as,
            user=who.viewer.username,
            role=who.viewer.user.role,
            client=who.client,
            requisition=reference,
            outcome=outcome,
            details=details,
        )


def _span_json(span: RequestedSpan) -> dict[str, Any]:
    return {
        "camera_id": span.camera_id,
        "start": span.start.astimezone(UTC).isoformat(),
        "end": span.end.astimezone(UTC).isoformat(),
    }


def _applied(req: Requisition, change: RequisitionChange) -> Requisition:
    """A copy of the record with the change applied (the stored one stays as it was)."""
    changed = Requisition.model_validate(req.model_dump())
    if change.status is not None:
        changed.status = change.status.value
    if change.refusal_reason is not None:
        changed.refusal_reason = change.refusal_reason
    if change.handover is not None:
        h = change.handover
        changed.recipient = h.recipient
        changed.handed_over_at = h.handed_over_at
        changed.medium = h.medium
        changed.receipt = h.receipt
    return changed


__all__ = [
    "AccessBasis",
    "ExportMade",
    "Handover",
    "NewRequisition",
    "RequestedSpan",
    "Requisition",
    "RequisitionChange",
    "RequisitionIncomplete",
    "RequisitionKind",
    "RequisitionNotFound",
    "RequisitionService",
    "RequisitionStatus",
    "is_late",
]
