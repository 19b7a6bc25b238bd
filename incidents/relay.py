"""Operators' actions in a cluster: whichever API node takes one, the leader's engine applies it.

The engine is the one writer of incidents and timelines, and it keeps open incidents in memory
(a closed one must leave its correlator), so an action goes to it rather than to the database
from the node that took it: a NATS request on `csu.engine.actions`, answered by the leader's
desk (a queue group, so that two nodes leading for a moment never both apply it). The answer is
the incident's summary, or the error the engine raised, by kind, which the asking node raises
again. No leader answering (a failover under way) or none in time is EngineUnavailable (503);
an action that timed out may have been applied, as with any request that lost its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from pydantic import TypeAdapter, ValidationError

from csu.errors import DomainError, Term
from incidents.commands import CommandError, CommandForbidden, IncidentCommand, IncidentNotFound
from incidents.engine import EngineUnavailable
from incidents.events import IncidentSummary

log = logging.getLogger(__name__)

ACTIONS_SUBJECT = "csu.engine.actions"
_QUEUE = "engine"
TIMEOUT_S = 10.0

_COMMAND = TypeAdapter(IncidentCommand)
Act = Callable[[IncidentCommand], Awaitable[IncidentSummary]]
# The errors an action may end in, by the name they travel under.
_ERRORS: dict[str, type[DomainError]] = {
    "not_found": IncidentNotFound,
    "forbidden": CommandForbidden,
    "conflict": CommandError,
    "unavailable": EngineUnavailable,
}


def encode_command(command: IncidentCommand) -> bytes:
    """The request's body."""
    return _COMMAND.dump_json(command)


def decode_command(data: bytes) -> IncidentCommand:
    """The command a request carries; ValueError when it carries none."""
    try:
        return _COMMAND.validate_json(data)
    except ValidationError as exc:
        raise ValueError(f"not an incident command: {exc.error_count()} errors") from None


def encode_outcome(outcome: IncidentSummary | Exception) -> bytes:
    """The reply: the summary, or the error's kind and message."""
    if isinstance(outcome, IncidentSummary):
        return b'{"summary":' + outcome.model_dump_json().encode() + b"}"
    kind = next((k for k, t in _ERRORS.items() if isinstance(outcome, t)), "unavailable")
    reply: dict[str, Any] = {"error": kind, "detail": str(outcome)}
    if isinstance(outcome, DomainError) and outcome.key is not None:
        # Its catalogue text too, so the asking node words it in its reader's language.
        reply |= {"key": outcome.key, "params": _plain(outcome.params)}
    return json.dumps(reply, default=str).encode()


def decode_outcome(data: bytes) -> IncidentSummary:
    """The summary a reply carries, or the error it names, raised."""
    reply = json.loads(data)
    if "summary" in reply:
        return IncidentSummary.model_validate(reply["summary"])
    kind = _ERRORS.get(str(reply.get("error")), EngineUnavailable)
    params = _revived(reply.get("params") or {})
    raise kind(str(reply.get("detail")), key=reply.get("key"), **params)


def _plain(params: Mapping[str, object]) -> dict[str, object]:
    # A Term travels as {"term": key, "params": {...}}; the rest as JSON has it.
    return {
        name: {"term": v.key, "params": _plain(v.params)} if isinstance(v, Term) else v
        for name, v in params.items()
    }


def _revived(params: Mapping[str, Any]) -> dict[str, object]:
    return {
        name: Term(v["term"], _revived(v.get("params") or {}))
        if isinstance(v, dict) and "term" in v
        else v
        for name, v in params.items()
    }


class ActionRelay:
    """Sends an action to the leader's engine and waits for its answer (any node)."""

    def __init__(self, client: Client, timeout_s: float = TIMEOUT_S) -> None:
        self._client = client
        self._timeout_s = timeout_s

    async def act(self, command: IncidentCommand) -> IncidentSummary:
        """The leader's answer; EngineUnavailable when no leader answered."""
        try:
            reply = await self._client.request(
                ACTIONS_SUBJECT, encode_command(command), timeout=self._timeout_s
            )
        except NoRespondersError:
            raise EngineUnavailable(
                "no incident engine leads the cluster now", key="errors.engine_unavailable"
            ) from None
        except (NatsError, TimeoutError) as exc:
            raise EngineUnavailable(
                f"the incident engine did not answer: {exc!r}", key="errors.engine_unavailable"
            ) from None
        return decode_outcome(reply.data)


class ActionDesk:
    """Takes the cluster's actions while this node leads, and has its engine apply them."""

    def __init__(self, client: Client, act: Act) -> None:
        self._client = client
        self._act = act
        self._sub: Subscription | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Answer from now on."""
        self._sub = await self._client.subscribe(ACTIONS_SUBJECT, queue=_QUEUE, cb=self._answer)
        await self._client.flush()

    async def stop(self) -> None:
        """Answer no more (requests under way are still answered)."""
        sub, self._sub = self._sub, None
        if sub is not None:
            with contextlib.suppress(NatsError, TimeoutError):
                await sub.unsubscribe()

    async def _answer(self, msg: Msg) -> None:
        # nats-py runs a subscription's callbacks one after another: the action goes on in a
        # task of its own, so that a slow one never holds the next.
        task = asyncio.create_task(self._apply(msg), name="engine-actions")
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("incident action not answered: %r", exc)

    async def _apply(self, msg: Msg) -> None:
        try:
            command = decode_command(msg.data)
        except ValueError as exc:
            await msg.respond(encode_outcome(CommandError(str(exc))))
            return
        outcome: IncidentSummary | Exception
        try:
            outcome = await self._act(command)
        except (IncidentNotFound, CommandForbidden, CommandError, EngineUnavailable) as exc:
            outcome = exc
        except Exception as exc:  # the asking node says 503 rather than wait for its timeout
            log.exception("incident action %s failed", command.action.value)
            outcome = EngineUnavailable(f"the action failed: {type(exc).__name__}")
        await msg.respond(encode_outcome(outcome))
