"""One node's place in the cluster: its NATS connection, its heartbeat, the shared buckets."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.client import JetStreamContext
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from csu.cluster import kv as buckets
from csu.cluster.leases import holders, released
from csu.cluster.nodes import CameraReport, NodeInfo, Role, beat, nodes
from csu.cluster.tickets import new_key
from csu.nats_client import connect

log = logging.getLogger(__name__)

CAMERA_PREFIX = "camera."
LEADER_KEY = "leader.engine"
TICKET_KEY = "tickets"
# Signing keys live as long as the NATS store; no TTL.
KEYS_BUCKET = "csu_keys"


@dataclass(frozen=True)
class NodeSettings:
    """How this node joins: the server, its name and role, and the cluster's timings."""

    nats_url: str
    name: str
    role: Role
    url: str | None = None
    capacity: int | None = None
    lease_ttl_s: float = 5.0
    beat_s: float = 1.0


@dataclass(frozen=True)
class ConsumerLag:
    """Messages a durable consumer of one of csu's streams has not yet had acknowledged."""

    stream: str
    consumer: str
    pending: int


@dataclass(frozen=True)
class ClusterView:
    """What `GET /api/cluster` shows: live nodes, each camera's owner, the engine leader, and
    how far behind each durable consumer of csu's streams is."""

    nodes: list[NodeInfo]
    owners: dict[str, str]
    leader: str | None
    lag: list[ConsumerLag] = field(default_factory=list)
    # Cameras whose holder gave them up on purpose and nobody has taken yet (not a death).
    handed_over: frozenset[str] = frozenset()


AfterBeat = Callable[[], Awaitable[None]]


def camera_key(camera_id: str) -> str:
    """The lease key of a camera."""
    return CAMERA_PREFIX + camera_id


class ClusterNode:
    """Connects, keeps the heartbeat going, and reads the cluster's state for anyone who asks."""

    def __init__(
        self, settings: NodeSettings, cameras: Callable[[], dict[str, CameraReport]] | None = None
    ) -> None:
        self.settings = settings
        self._camera_states = cameras
        self._client: Client | None = None
        self._leases: KeyValue | None = None
        self._nodes: KeyValue | None = None
        self._beat: asyncio.Task[None] | None = None
        self.ticket_key = b""
        # Read again every heartbeat: what requests consult without a round trip to NATS.
        self.latest = ClusterView([], {}, None)
        self._after_beat: list[AfterBeat] = []

    @property
    def client(self) -> Client:
        """The NATS connection (after start)."""
        if self._client is None:
            raise RuntimeError("cluster node not started")
        return self._client

    @property
    def leases(self) -> KeyValue:
        """The leases bucket (after start)."""
        if self._leases is None:
            raise RuntimeError("cluster node not started")
        return self._leases

    def info(self) -> NodeInfo:
        """This node as the registry shows it."""
        s = self.settings
        return NodeInfo(
            name=s.name,
            role=s.role,
            url=s.url,
            capacity=s.capacity,
            last_seen=datetime.now(UTC),
            cameras=self._camera_states() if self._camera_states else {},
        )

    async def start(self) -> None:
        """Connect, open the buckets, read the ticket key and start the heartbeat."""
        s = self.settings
        self._client = await connect(s.nats_url, f"csu-{s.role}-{s.name}")
        self._leases = await buckets.bucket(self._client, buckets.LEASES, s.lease_ttl_s)
        self._nodes = await buckets.bucket(self._client, buckets.NODES, 3 * s.beat_s + 2.0)
        self.ticket_key = await self._ticket_key()
        await beat(self._nodes, self.info())
        self.latest = await self.view()
        self._beat = asyncio.create_task(self._keep_beating(), name="cluster-heartbeat")

    async def stop(self) -> None:
        """Stop the heartbeat, leave the registry and close the connection."""
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beat
        if self._nodes is not None:
            with contextlib.suppress(NatsError, TimeoutError, OSError):
                await self._nodes.delete(f"{self.settings.role}.{self.settings.name}")
        if self._client is not None:
            with contextlib.suppress(NatsError, TimeoutError, OSError):
                await self._client.drain()

    async def view(self) -> ClusterView:
        """Live nodes, camera owners and the engine leader, read now."""
        return await _view(self.client.jetstream())

    def owner(self, camera_id: str) -> NodeInfo | None:
        """The live worker that holds a camera, as of the last heartbeat."""
        name = self.latest.owners.get(camera_id)
        workers = (n for n in self.latest.nodes if n.role == "worker" and n.name == name)
        return next(workers, None)

    def worker(self, name: str) -> NodeInfo | None:
        """A live worker by name, as of the last heartbeat."""
        return next((n for n in self.latest.nodes if n.role == "worker" and n.name == name), None)

    def report(self, camera_id: str) -> CameraReport | None:
        """What the camera's owner last said of it (None: no live worker holds it)."""
        owner = self.owner(camera_id)
        return None if owner is None else owner.cameras.get(camera_id)

    def live_workers(self) -> list[NodeInfo]:
        """The workers whose heartbeat is recent, as of the last heartbeat (read there once)."""
        return [n for n in self.latest.nodes if n.role == "worker"]

    def after_each_beat(self, step: AfterBeat) -> None:
        """Run `step` after every heartbeat, on the view that heartbeat read: the cluster's state
        is read once a beat, whoever needs it."""
        self._after_beat.append(step)

    async def _keep_beating(self) -> None:
        assert self._nodes is not None
        while True:
            await asyncio.sleep(self.settings.beat_s)
            try:
                await beat(self._nodes, self.info())
                self.latest = await self.view()
            except (NatsError, TimeoutError, OSError) as exc:
                log.warning("heartbeat not sent: %s", exc)
            # Even on a stale view: a step renews leases, which must not wait for a good read.
            for step in self._after_beat:
                try:
                    await step()
                except (NatsError, TimeoutError, OSError) as exc:
                    log.warning("after the heartbeat: %s", exc)
                except Exception:
                    log.exception("a step after the heartbeat failed")

    async def _ticket_key(self) -> bytes:
        # The first node of a new cluster makes the key; every later one reads it.
        store = await buckets.bucket(self.client, KEYS_BUCKET, 0)
        with contextlib.suppress(KeyWrongLastSequenceError):
            await store.create(TICKET_KEY, new_key())
        try:
            entry = await store.get(TICKET_KEY)
        except KeyNotFoundError:
            raise RuntimeError("the cluster's ticket key vanished from NATS") from None
        if not entry.value or len(entry.value) < 32:
            raise RuntimeError("the cluster's ticket key in NATS is too short")
        return entry.value


async def read_view(nats_url: str) -> ClusterView:
    """The cluster's state read once by a passer-by (the `csu cluster status` command)."""
    client = await connect(nats_url, "csu-cluster-status", patient=False, first_within_s=5.0)
    try:
        js = client.jetstream()
        view = await _view(js)
        return replace(view, lag=await stream_lag(client))
    finally:
        await client.close()


async def _view(js: JetStreamContext) -> ClusterView:
    raw = await buckets.entries(js, buckets.LEASES)
    held = holders(raw)
    owners = {
        key.removeprefix(CAMERA_PREFIX): who
        for key, who in held.items()
        if key.startswith(CAMERA_PREFIX)
    }
    given_up = frozenset(
        key.removeprefix(CAMERA_PREFIX) for key in released(raw) if key.startswith(CAMERA_PREFIX)
    )
    return ClusterView(await nodes(js), owners, held.get(LEADER_KEY), handed_over=given_up)


async def stream_lag(client: Client) -> list[ConsumerLag]:
    """Each durable consumer of csu's streams (CSU_*) and what it has not processed yet."""
    manager = client.jetstream()
    found = []
    for stream in await manager.streams_info():
        name = stream.config.name or ""
        if not name.startswith("CSU_"):
            continue
        for consumer in await manager.consumers_info(name):
            if not consumer.config.durable_name:
                continue
            pending = (consumer.num_pending or 0) + (consumer.num_ack_pending or 0)
            found.append(ConsumerLag(name, consumer.config.durable_name, pending))
    return sorted(found, key=lambda c: (c.stream, c.consumer))
