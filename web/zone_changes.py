"""Privacy-zone changes waiting for a second person: list them, confirm or refuse them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from csu.text import StorableText
from privacy.rights import Viewer
from privacy.zones.changes import Editor, changes, decide
from privacy.zones.coverage import coverage_change, describe
from privacy.zones.models import PrivacyZoneChange, ZoneChangeState
from web.deps import CurrentUser, CurrentViewer, DbSession, Services, client_address

router = APIRouter(prefix="/api/privacy-zone-changes", tags=["privacy zones"])

ChangeId = Annotated[str, Path(max_length=64, description="The change's id.")]


def reason_given(value: str) -> str:
    """The reason without surrounding blanks; a blank one is refused."""
    if not value.strip():
        raise ValueError("a reason is required")
    return value.strip()


class DecisionIn(BaseModel):
    """Why the change is confirmed or refused."""

    model_config = ConfigDict(extra="forbid")

    reason: StorableText = Field(max_length=1000, description="Why (logged with the decision).")

    _reason = field_validator("reason")(reason_given)


class ZoneChangeOut(BaseModel):
    """A requested change of a camera's zones, with what it would unmask."""

    id: str
    camera_id: str
    state: ZoneChangeState
    before: list[list[list[float]]] = Field(description="The zones in force when asked for.")
    after: list[list[list[float]]] = Field(description="The zones asked for.")
    unmasked_share: float = Field(description="Share of the picture no longer masked (0..1).")
    masked_share: float = Field(description="Share of the picture newly masked (0..1).")
    description: str
    reason: str
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


def change_out(change: PrivacyZoneChange) -> ZoneChangeOut:
    """The API's view of a stored change."""
    before, after = json.loads(change.before), json.loads(change.after)
    coverage = coverage_change(before, after)
    return ZoneChangeOut(
        id=change.id,
        camera_id=change.camera_id,
        state=ZoneChangeState(change.state),
        before=before,
        after=after,
        unmasked_share=round(coverage.unmasked, 6),
        masked_share=round(coverage.masked, 6),
        description=describe(before, after, coverage),
        reason=change.reason,
        requested_by=change.requested_by,
        requested_at=change.requested_at,
        expires_at=change.expires_at,
        decided_by=change.decided_by,
        decided_at=change.decided_at,
        decision_reason=change.decision_reason,
    )


@router.get("", response_model=list[ZoneChangeOut])
def list_changes(
    user: CurrentUser,
    session: DbSession,
    services: Services,
    state: Annotated[
        ZoneChangeState | None, Query(description="Only this state; every state when left out.")
    ] = ZoneChangeState.PENDING,
) -> list[ZoneChangeOut]:
    """Changes of privacy zones, newest first (administrators and the privacy officer)."""
    found = changes(session, services.access_log, reader=user, state=state)
    return [change_out(c) for c in found]


def _decide(
    change_id: str,
    body: DecisionIn,
    request: Request,
    viewer: Viewer,
    session: DbSession,
    services: Services,
    *,
    confirm: bool,
) -> ZoneChangeOut:
    decider = Editor(viewer, client_address(request))
    decision = decide(
        session,
        services.access_log,
        change_id=change_id,
        decider=decider,
        confirm=confirm,
        reason=body.reason,
        zones_in_force=services.cameras.privacy_zones,
    )
    if decision.zones is not None:
        # Stored and logged: burned in from the next frame, as a direct edit is.
        services.cameras.apply_privacy_zones(decision.change.camera_id, decision.zones)
    return change_out(decision.change)


@router.post("/{change_id}/confirm", response_model=ZoneChangeOut)
def confirm_change(
    change_id: ChangeId,
    body: DecisionIn,
    request: Request,
    viewer: CurrentViewer,
    session: DbSession,
    services: Services,
) -> ZoneChangeOut:
    """Put a pending change in force (another administrator or the privacy officer)."""
    return _decide(change_id, body, request, viewer, session, services, confirm=True)


@router.post("/{change_id}/refuse", response_model=ZoneChangeOut)
def refuse_change(
    change_id: ChangeId,
    body: DecisionIn,
    request: Request,
    viewer: CurrentViewer,
    session: DbSession,
    services: Services,
) -> ZoneChangeOut:
    """Refuse a pending change (its requester may withdraw it this way); the zones stay."""
    return _decide(change_id, body, request, viewer, session, services, confirm=False)
