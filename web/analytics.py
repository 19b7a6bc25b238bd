"""Video analytics: which cameras are analysed under which authorisation, and the human verdicts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from csu.bounds import Key
from incidents.service import decision_counts
from privacy.policy import Action
from privacy.service import Viewer
from web.deps import AccessLogDep, AnalyticsDep, CurrentViewer, DbSession, client_address, require

router = APIRouter(prefix="/api/analytics", tags=["analytics"])

Reader = Annotated[Viewer, Depends(require(Action.INCIDENT_READ))]


class RuleCounts(BaseModel):
    """Alerts of one kind: raised, and how operators judged them."""

    raised: int
    confirmed: int
    dismissed: int


class CameraAnalyticsOut(BaseModel):
    """One camera's analytics: its authorisation and what it has done since start."""

    camera_id: str
    running: bool
    legal_basis: str | None
    ends_at: datetime | None
    frames: int
    ms_per_frame: float | None
    events: int
    error: str | None


class AnalyticsStats(BaseModel):
    """Per-rule verdicts (by alarm type) and per-camera state."""

    rules: dict[str, RuleCounts]
    cameras: list[CameraAnalyticsOut]


@router.get("/stats", response_model=AnalyticsStats)
def get_stats(session: DbSession, analytics: AnalyticsDep, _user: Reader) -> AnalyticsStats:
    """Confirmed and dismissed counts per rule kind, and each analysed camera's figures."""
    cameras = []
    for view in analytics.cameras():
        stats = view.stats
        frames = stats.frames if stats else 0
        cameras.append(
            CameraAnalyticsOut(
                camera_id=view.camera_id,
                running=view.running,
                legal_basis=view.legal_basis,
                ends_at=view.ends_at,
                frames=frames,
                ms_per_frame=round(1000 * stats.busy_s / frames, 1) if stats and frames else None,
                events=stats.events if stats else 0,
                error=stats.error if stats else None,
            )
        )
    rules = {kind: RuleCounts(**counts) for kind, counts in decision_counts(session).items()}
    return AnalyticsStats(rules=rules, cameras=cameras)


@router.get(
    "/events/{event_id}/snapshot.jpg",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def get_event_snapshot(
    event_id: Key,
    request: Request,
    viewer: CurrentViewer,
    analytics: AnalyticsDep,
    access_log: AccessLogDep,
) -> Response:
    """The masked frame an analytics event was raised on, its box drawn (logged before sent)."""
    jpeg = analytics.event_snapshot(
        access_log,
        viewer=viewer,
        event_id=event_id,
        rendition=viewer.rendition(),
        client=client_address(request),
    )
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
