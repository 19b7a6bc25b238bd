"""The JetStream buckets and streams a cluster keeps its state in."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    KeyValueConfig,
    StorageType,
    StreamConfig,
)
from nats.js.client import JetStreamContext
from nats.js.errors import BadRequestError, BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue

# Camera and node leases; a key lives as long as the bucket's TTL unless renewed.
LEASES = "csu_leases"
# Each node's heartbeat: name, role, URL, when last seen.
NODES = "csu_nodes"
# The header JetStream key-value puts on a deletion or a purge.
KV_OPERATION = "KV-Operation"


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


async def entries(js: JetStreamContext, bucket: str) -> dict[str, bytes]:
    """Every live key of a bucket with its value, as one consistent snapshot.

    A pull consumer of the last message per key is made, and exactly as many messages as it had
    pending when made are read: a watcher's "initial values done" signal can come before every
    value has arrived, and a partial snapshot would make a live lease look free.
    """
    prefix = f"$KV.{bucket}."
    config = ConsumerConfig(
        deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
        ack_policy=AckPolicy.EXPLICIT,  # a pull consumer needs it on nats-server 2.9
        max_ack_pending=1 << 16,
        mem_storage=True,
        inactive_threshold=30.0,
    )
    sub = await js.pull_subscribe(f"{prefix}>", stream=f"KV_{bucket}", config=config)
    found: dict[str, bytes] = {}
    try:
        remaining = (await sub.consumer_info()).num_pending or 0
        while remaining > 0:
            for msg in await sub.fetch(min(remaining, 256), timeout=5):
                remaining -= 1
                key = msg.subject.removeprefix(prefix)
                if (msg.headers or {}).get(KV_OPERATION) in ("DEL", "PURGE"):
                    found.pop(key, None)
                else:
                    found[key] = msg.data
    finally:
        with contextlib.suppress(NatsError, TimeoutError, OSError):
            await sub.unsubscribe()
    return found


Reader = Callable[[], Awaitable[dict[str, bytes]]]
