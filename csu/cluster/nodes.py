"""The node registry: each node's heartbeat in a key-value bucket whose TTL forgets the dead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from csu.cluster.kv import NODES, entries
from csu.config.cameras import SLUG_PATTERN

Role = Literal["api", "worker"]


class EventsReport(BaseModel):
    """A camera's ONVIF event subscription, as the worker that holds it sees it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    connected: bool
    received: int = 0
    last_error: str | None = None
    connected_at: datetime | None = None
    subscriptions: int = 0


class CameraReport(BaseModel):
    """How a worker sees one of its cameras: state, why, measured frame rate, and its ONVIF
    event subscription (for a camera with ONVIF settings)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    state: str
    reason: str | None = None
    fps: float = 0.0
    events: EventsReport | None = None


class NodeInfo(BaseModel):
    """One node as the cluster sees it (the shape of `GET /api/cluster`'s nodes)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str = Field(pattern=SLUG_PATTERN)
    role: Role
    url: str | None = None
    last_seen: datetime
    capacity: int | None = None
    # A worker's cameras and their health, as it sees them.
    cameras: dict[str, CameraReport] = Field(default_factory=dict)


def node_key(role: Role, name: str) -> str:
    """The registry key of a node: one namespace per role, so an API node and a worker may
    share a host name."""
    return f"{role}.{name}"


async def beat(kv: KeyValue, node: NodeInfo) -> None:
    """Say that `node` is alive now."""
    now = node.model_copy(update={"last_seen": datetime.now(UTC)})
    await kv.put(node_key(node.role, node.name), now.model_dump_json().encode())


async def nodes(js: JetStreamContext, bucket: str = NODES) -> list[NodeInfo]:
    """Every node alive within the bucket's TTL, by role then name (bad entries skipped)."""
    found = []
    for raw in (await entries(js, bucket)).values():
        try:
            found.append(NodeInfo.model_validate_json(raw))
        except ValidationError:
            continue
    return sorted(found, key=lambda n: (n.role, n.name))
