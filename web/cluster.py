"""`GET /api/cluster`: the nodes, who serves each camera, and which node leads the engine."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from csu.cluster.runtime import ClusterNode, stream_lag
from csu.config import CameraConfig
from csu.settings import Settings
from privacy.policy import Action
from privacy.service import Viewer
from video.service import CameraService
from web.deps import CamerasDep, ClusterDep, SettingsDep, require

router = APIRouter(prefix="/api", tags=["cluster"])


class NodeOut(BaseModel):
    """A live node."""

    name: str
    role: str
    url: str | None
    last_seen: datetime


class CameraOwnerOut(BaseModel):
    """A camera, the worker serving it (None: nobody now) and its status as that worker says."""

    id: str
    owner: str | None
    status: str


class EngineOut(BaseModel):
    """The API node whose incident engine is the active one."""

    leader: str | None


class StreamLagOut(BaseModel):
    """A durable consumer of one of csu's JetStream streams, and what it has yet to process."""

    stream: str
    consumer: str
    pending: int


class ClusterOut(BaseModel):
    """The cluster as this node sees it now; one process alone shows itself."""

    nodes: list[NodeOut]
    cameras: list[CameraOwnerOut]
    engine: EngineOut
    streams: list[StreamLagOut] = Field(
        default_factory=list, description="Stream lag: what each durable consumer has pending."
    )


Reader = Annotated[Viewer, Depends(require(Action.CLUSTER_READ))]


@router.get("/cluster")
async def cluster_status(
    _user: Reader,
    cluster: ClusterDep,
    settings: SettingsDep,
    cameras: CamerasDep,
) -> ClusterOut:
    """Nodes, camera owners and the engine leader (supervisors and administrators)."""
    if cluster is None:
        return _single(settings, cameras)
    # The cameras in force now (administrators' changes included), not the site file's.
    return await _of_cluster(cluster, [v.config for v in cameras.cameras()])


def _single(settings: Settings, cameras: CameraService) -> ClusterOut:
    """One process alone: itself, serving every camera and leading the engine."""
    name = settings.node_name
    here = NodeOut(name=name, role="single", url=settings.public_url, last_seen=datetime.now(UTC))
    owned = [
        CameraOwnerOut(id=v.config.id, owner=name, status=v.health.state.value)
        for v in cameras.cameras()
    ]
    return ClusterOut(nodes=[here], cameras=owned, engine=EngineOut(leader=name))


async def _of_cluster(cluster: ClusterNode, configs: list[CameraConfig]) -> ClusterOut:
    view = await cluster.view()
    lag = await stream_lag(cluster.client)
    said = {name: n.cameras for n in view.nodes if n.role == "worker" for name in [n.name]}
    cameras = []
    for camera in configs:
        owner = view.owners.get(camera.id)
        if owner is not None:
            report = said.get(owner, {}).get(camera.id)
            status = report.state if report else "starting"
        else:
            status = "offline" if camera.enabled else "disabled"
        cameras.append(CameraOwnerOut(id=camera.id, owner=owner, status=status))
    return ClusterOut(
        nodes=[
            NodeOut(**n.model_dump(include={"name", "role", "url", "last_seen"}))
            for n in view.nodes
        ],
        cameras=cameras,
        engine=EngineOut(leader=view.leader),
        streams=[
            StreamLagOut(stream=c.stream, consumer=c.consumer, pending=c.pending) for c in lag
        ],
    )
