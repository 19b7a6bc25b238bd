"""The NATS connection, and the JetStream buckets and streams a cluster keeps its state in."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import nats
from nats.aio.client import Client
from nats.js.api import KeyValueConfig, StorageType, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import BadRequestError, BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue

log = logging.getLogger(__name__)

# Camera and node leases; a key lives as long as the bucket's TTL unless renewed.
LEASES = "csu_leases"
# Each node's heartbeat: name, role, URL, when last seen.
NODES = "csu_nodes"


async def connect(url: str, name: str, *, patient: bool = True) -> Client:
    """A client that reconnects forever: a node outlives any NATS restart. A passer-by (a
    command) is not patient: one try, and the caller says why it failed."""
    if not patient:
        return await nats.connect(
            url, name=name, allow_reconnect=False, connect_timeout=5, error_cb=_quiet
        )

    async def disconnected() -> None:
        log.warning("NATS connection to %s lost; reconnecting", url)

    async def reconnected() -> None:
        log.info("NATS connection to %s back", url)

    async def error(exc: Exception) -> None:
        log.warning("NATS: %s", exc)

    return await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        disconnected_cb=disconnected,
        reconnected_cb=reconnected,
        error_cb=error,
    )


async def bucket(client: Client, name: str, ttl_s: float) -> KeyValue:
    """The key-value bucket `name`, created with file storage and this TTL if missing."""
    js = client.jetstream()
    try:
        return await js.key_value(name)
    except BucketNotFoundError:
        config = KeyValueConfig(bucket=name, history=1, ttl=ttl_s, storage=StorageType.FILE)
        return await js.create_key_value(config)


async def ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    """Create the stream, or bring an existing one to this configuration (idempotent: every
    node of a cluster calls it at start)."""
    try:
        await js.update_stream(config)
    except NotFoundError:
        try:
            await js.add_stream(config)
        except BadRequestError:  # another node created it meanwhile
            await js.update_stream(config)


async def entries(kv: KeyValue) -> dict[str, bytes]:
    """Every live key of a bucket with its value, read in one pass."""
    watcher = await kv.watchall(ignore_deletes=True)
    found: dict[str, bytes] = {}
    try:
        async for entry in watcher:
            if entry is None:  # nats-py's marker: the initial values are all delivered
                break
            if entry.value is not None:
                found[entry.key] = entry.value
    finally:
        await watcher.stop()  # type: ignore[no-untyped-call]
    return found


async def _quiet(_exc: Exception) -> None:
    # The command reports the failure itself, once.
    return None


Reader = Callable[[], Awaitable[dict[str, bytes]]]
