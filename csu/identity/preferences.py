"""Each account's console preferences, kept on the server so that they follow the operator from
desk to desk (operators change desks between watches; the browser's storage stayed behind).

One small typed document per account: alerting, grid size, the desk's layout and language. Every
field is bounded here, so a client can store nothing but these values (no free-form JSON).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Field as Column
from sqlmodel import Session, SQLModel

from csu.db import UtcDateTime
from csu.i18n.catalogue import Language
from csu.identity.models import utcnow
from csu.text import StorableText

Severity = Literal["informational", "low", "medium", "high", "critical"]
# Its bounds stated besides the enum: every integer of the API document names its range.
GridSize = Annotated[Literal[1, 4, 9, 16], Field(json_schema_extra={"minimum": 1, "maximum": 16})]
# The largest grid has 16 tiles: a layout names at most one camera per tile.
MAX_LAYOUT_TILES = 16
CameraId = Annotated[StorableText, Field(min_length=1, max_length=64)]


class AlertingPreferences(BaseModel):
    """When the console rings and notifies."""

    model_config = ConfigDict(extra="forbid")

    min_severity: Severity = Field(
        default="high", description="New incidents and alarms at or above it ring."
    )
    sound: bool = Field(default=True, description="Play the alert sounds.")
    notify: bool = Field(default=False, description="Raise desktop notifications too.")


class Preferences(BaseModel):
    """An account's console preferences; a field left out takes its default."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "alerting": {"min_severity": "medium", "sound": True, "notify": False},
                    "grid_size": 9,
                    "desk_layout": ["cam-ralliement-1", "cam-plaza"],
                    "language": "fr",
                }
            ]
        },
    )

    alerting: AlertingPreferences = Field(default_factory=AlertingPreferences)
    grid_size: GridSize | None = Field(
        default=None, description="Cameras a page on the desk; null: the desk's default."
    )
    desk_layout: list[CameraId] = Field(
        default_factory=list,
        max_length=MAX_LAYOUT_TILES,
        description="The camera on each tile, from the first; empty: no layout of one's own. "
        "Cameras the user may no longer see are left out when shown.",
    )
    language: Language | None = Field(
        default=None, description="The pages' language once signed in; null: the browser's choice."
    )


class PreferencesChange(BaseModel):
    """Some of an account's preferences: a field left out stays as it is, null sets its default.
    A section (alerting) is replaced whole."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"grid_size": 16}, {"language": "en"}]},
    )

    alerting: AlertingPreferences | None = None
    grid_size: GridSize | None = None
    desk_layout: list[CameraId] | None = Field(default=None, max_length=MAX_LAYOUT_TILES)
    language: Language | None = None

    def applied_to(self, preferences: Preferences) -> Preferences:
        """`preferences` with this change made."""
        document = preferences.model_dump()
        for name in self.model_fields_set:
            value = getattr(self, name)
            if value is None:
                document.pop(name)  # back to its default
            else:
                document[name] = value.model_dump() if isinstance(value, BaseModel) else value
        return Preferences.model_validate(document)


class UserPreferences(SQLModel, table=True):
    """The stored preferences of one account (a row once they first change anything)."""

    __tablename__ = "user_preferences"

    user_id: int = Column(primary_key=True, foreign_key="users.id", ondelete="CASCADE")
    min_severity: str = Column(max_length=16)
    sound: bool
    notify: bool
    grid_size: int | None = Column(default=None)
    # A list of at most 16 camera ids, checked by Preferences before it is written.
    desk_layout: list[str] = Column(default_factory=list, sa_type=sa.JSON)
    language: str | None = Column(default=None, max_length=8)
    updated_at: datetime = Column(default_factory=utcnow, sa_type=UtcDateTime)


def _document(row: UserPreferences) -> Preferences:
    # Validated again on the way out: a row written by an older csu still reads as today's schema.
    return Preferences.model_validate(
        {
            "alerting": {
                "min_severity": row.min_severity,
                "sound": row.sound,
                "notify": row.notify,
            },
            "grid_size": row.grid_size,
            "desk_layout": list(row.desk_layout or [])[:MAX_LAYOUT_TILES],
            "language": row.language,
        }
    )


def preferences_of(session: Session, *, user_id: int) -> Preferences:
    """The account's preferences (the defaults until it saves some)."""
    row = session.get(UserPreferences, user_id)
    return Preferences() if row is None else _document(row)


def save_preferences(session: Session, *, user_id: int, preferences: Preferences) -> Preferences:
    """Replace the account's preferences with `preferences` (flushed, not committed)."""
    row = session.get(UserPreferences, user_id)
    if row is None:
        row = UserPreferences(
            user_id=user_id, min_severity="high", sound=True, notify=False, desk_layout=[]
        )
    row.min_severity = preferences.alerting.min_severity
    row.sound = preferences.alerting.sound
    row.notify = preferences.alerting.notify
    row.grid_size = preferences.grid_size
    row.desk_layout = list(preferences.desk_layout)
    row.language = preferences.language
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return _document(row)


def change_preferences(session: Session, *, user_id: int, change: PreferencesChange) -> Preferences:
    """Make `change` to the account's preferences (flushed, not committed)."""
    current = preferences_of(session, user_id=user_id)
    return save_preferences(session, user_id=user_id, preferences=change.applied_to(current))
