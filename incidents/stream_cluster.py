"""An API node's part in a cluster's alarms: it puts what it receives into the alarm stream and
relays actions to the leader; while it leads, its engine reads the stream and takes the actions.
"""

from __future__ import annotations

import asyncio
import socket

from nats.aio.client import Client

from incidents.commands import IncidentCommand
from incidents.engine import IncidentEngine
from incidents.events import IncidentSummary
from incidents.parsing import Submission
from incidents.relay import ActionDesk, ActionRelay
from incidents.stream import StreamSettings
from incidents.stream_engine import StreamConsumer
from incidents.stream_intake import AlarmPublisher, QueuedResult, queued_result

# A payload up to this size is read on the event loop to answer its sender (a csu JSON alarm
# takes some 30 µs); a larger one (a CAP document, a notification of many entities) in a thread.
_READ_ON_LOOP_BYTES = 16_384


class ClusterIntake:
    """The alarm stream's publisher and the action relay, and while leading the stream's
    consumer and the action desk, on one NATS connection."""

    def __init__(
        self, client: Client, settings: StreamSettings | None = None, node: str | None = None
    ) -> None:
        self.settings = settings or StreamSettings()
        self.publisher = AlarmPublisher(
            client.jetstream(), self.settings, node=node or socket.gethostname()
        )
        self.relay = ActionRelay(client)
        self._client = client
        self._consumer: StreamConsumer | None = None
        self._desk: ActionDesk | None = None

    @property
    def consumer(self) -> StreamConsumer | None:
        """The stream's consumer while this node leads."""
        return self._consumer

    async def receive(self, submission: Submission) -> QueuedResult:
        """Store the payload in the stream, then read it to answer its sender."""
        stored = await self.publisher.put(submission)
        if len(submission.body) <= _READ_ON_LOOP_BYTES:
            return queued_result(submission, stored)
        return await asyncio.to_thread(queued_result, submission, stored)

    async def lead(self, engine: IncidentEngine) -> None:
        """Feed the stream to this (started) engine and have it take the cluster's actions."""

        async def act(command: IncidentCommand) -> IncidentSummary:
            summary: IncidentSummary = await asyncio.wrap_future(engine.command(command))
            return summary

        self._consumer = StreamConsumer(self._client, self.settings, engine.feed)
        self._desk = ActionDesk(self._client, act)
        await self._consumer.start()
        await self._desk.start()

    async def follow(self, engine: IncidentEngine) -> None:
        """Stop taking actions and payloads; the engine stores what it holds, then stops, and
        what it stored is acknowledged."""
        desk, consumer = self._desk, self._consumer
        self._desk = self._consumer = None
        if desk is not None:
            await desk.stop()
        if consumer is not None:
            await consumer.stop()
        await asyncio.to_thread(engine.stop)
        if consumer is not None:
            await consumer.settle()
