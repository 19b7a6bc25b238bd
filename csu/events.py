"""Typed events and the causal context that links an effect to its cause."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field


class Context(BaseModel):
    """Who caused an event and which chain of events it belongs to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    parent_id: str | None = None
    correlation_id: str
    user: str | None = None

    @classmethod
    def new(cls, user: str | None = None) -> Context:
        """A root context: it starts a new correlation chain."""
        context_id = uuid.uuid4().hex
        return cls(id=context_id, parent_id=None, correlation_id=context_id, user=user)

    def child(self, user: str | None = None) -> Context:
        """A context caused by this one; the user is inherited unless given."""
        return Context(
            id=uuid.uuid4().hex,
            parent_id=self.id,
            correlation_id=self.correlation_id,
            user=self.user if user is None else user,
        )


# The bus sets this while a handler runs, so events created there become children of
# the event being handled without every handler threading the context through by hand.
current_context: ContextVar[Context | None] = ContextVar("current_context", default=None)


def current_or_new_context() -> Context:
    """A child of the context in force, or a fresh root context when there is none."""
    parent = current_context.get()
    return parent.child() if parent is not None else Context.new()


# How far an event travels between the nodes of a cluster (csu.bus_nats); one process sees all.
# "local": never leaves the process that published it (its subscribers act once, where it
# happened); "live": to every node connected now, lost for a node that is away; "durable": kept
# in JetStream, so a node that was away (or the one engine) still gets it.
Reach = Literal["local", "live", "durable"]
REACHES: tuple[Reach, ...] = get_args(Reach)


class Event(BaseModel):
    """Base of every bus event; concrete subclasses set a ``topic`` such as "identity.login"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: ClassVar[str]
    # Local unless a class says otherwise: an event must choose to leave its process.
    reach: ClassVar[Reach] = "local"
    # True for Event itself and for intermediate classes declared with ``abstract=True``.
    abstract_event: ClassVar[bool] = True

    context: Context = Field(default_factory=current_or_new_context)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.abstract_event = abstract
        if abstract:
            return
        # Each concrete class names its own topic: an inherited one would make two
        # different event shapes indistinguishable in logs and subscriptions by topic.
        topic = cls.__dict__.get("topic")
        if not isinstance(topic, str) or not topic:
            raise TypeError(
                f"event class {cls.__qualname__} must define a non-empty `topic: ClassVar[str]`"
                " (or be declared with `abstract=True`)"
            )
        if cls.reach not in REACHES:
            raise TypeError(f"event class {cls.__qualname__}: reach must be one of {REACHES}")

    def model_post_init(self, context: Any, /) -> None:
        """Refuse to build instances of abstract event classes."""
        if type(self).abstract_event:
            raise TypeError(f"{type(self).__qualname__} is abstract; instantiate a subclass")
