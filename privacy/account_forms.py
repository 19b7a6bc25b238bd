"""What account administration takes and gives: new accounts, changes with their reason, and
accounts as shown (never a password hash)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from csu.bounds import Key
from csu.config.authorisations import USER_PATTERN
from csu.errors import InvalidValue
from csu.identity.password_rule import MAX_LENGTH, password_terms, weak_password
from csu.identity.roles import ALL_CAMERAS, Role
from csu.text import StorableText
from csu.times import ApiTime

MAX_CAMERAS = 500


def _given(reason: str) -> str:
    if not reason.strip():
        raise InvalidValue("a reason is required", key="errors.reason_required")
    return reason.strip()


# Every change an administrator makes says why; the access log keeps it with the change.
Reason = Annotated[
    StorableText,
    Field(max_length=1000, description="Why (logged with the change)."),
    AfterValidator(_given),
]


def _future(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment <= datetime.now(UTC):  # ApiTime: aware, within bounds
        raise InvalidValue(f"{moment.isoformat()} is in the past", key="errors.past", moment=moment)
    return moment.astimezone(UTC)


Expiry = Annotated[
    ApiTime | None, AfterValidator(_future), Field(description="With a UTC offset; none: never.")
]


class GrantOut(BaseModel):
    """One camera authorisation as administration shows it."""

    camera_id: str
    expires_at: datetime | None
    expired: bool
    granted_by: str | None = Field(
        description="The administrator who granted it (or last changed its expiry); none for a"
        " grant from the site file, the command line or before this was recorded."
    )
    granted_at: datetime = Field(description="When it was granted or its expiry last changed.")


class AccountOut(BaseModel):
    """An account and its authorisations (never its password hash)."""

    username: str
    role: Role
    active: bool
    anonymised_view: bool
    must_change_password: bool = Field(description="Reset: a new password at next sign-in.")
    created_at: datetime
    training_date: date | None = Field(
        description="The day the agent followed data-protection training; none: not recorded."
    )
    grants: list[GrantOut]


class PasswordReset(BaseModel):
    """A reset account and its one-time password, shown this once to give to its user."""

    account: AccountOut
    temporary_password: str = Field(description="Works for one sign-in that sets a new one.")


class GrantIn(BaseModel):
    """One camera ('*' for all) and the end of its authorisation."""

    model_config = ConfigDict(extra="forbid")

    camera_id: Key
    expires_at: Expiry = None


class GrantChange(BaseModel):
    """The authorisations an account is to have, each with its own expiry, and why."""

    model_config = ConfigDict(extra="forbid")

    grants: list[GrantIn] = Field(max_length=MAX_CAMERAS)
    reason: Reason

    @field_validator("grants")
    @classmethod
    def _each_once(cls, grants: list[GrantIn]) -> list[GrantIn]:
        cameras = [g.camera_id for g in grants]
        twice = sorted({c for c in cameras if cameras.count(c) > 1})
        if twice:
            raise InvalidValue(
                f"camera {', '.join(repr(c) for c in twice)} listed more than once",
                key="errors.accounts.twice",
                cameras=twice,
            )
        if ALL_CAMERAS in cameras and len(cameras) > 1:
            raise InvalidValue(
                "'*' (all cameras) must be the only entry", key="errors.accounts.all_alone"
            )
        return grants

    @property
    def expiries(self) -> dict[str, datetime | None]:
        """Camera id -> expiry (UTC) or None."""
        return {g.camera_id: g.expires_at for g in self.grants}


# The French data protection act (loi Informatique et libertés) dates from 6 January 1978.
EARLIEST_TRAINING = date(1978, 1, 6)


def _day_text(value: object) -> object:
    # A day is written YYYY-MM-DD; anything longer is not a day (and is not parsed at length).
    if isinstance(value, str) and len(value) > len("YYYY-MM-DD"):
        raise PydanticCustomError("day_format", "a day is written YYYY-MM-DD")
    return value


def _not_before_the_act(day: date) -> date:
    if day < EARLIEST_TRAINING:
        raise PydanticCustomError(
            "day_too_early",
            "must be {earliest} or later (the French data protection act)",
            {"earliest": EARLIEST_TRAINING.isoformat()},
        )
    return day


def _not_ahead(day: date | None) -> date | None:
    # A training day no clock on Earth has reached yet (UTC+14) is a typing slip.
    if day is not None and day > (datetime.now(UTC) + timedelta(hours=14)).date():
        raise InvalidValue(
            f"{day.isoformat()} is in the future",
            key="errors.accounts.future_day",
            day=day.isoformat(),
        )
    return day


TrainingDay = Annotated[
    date,
    BeforeValidator(_day_text),
    AfterValidator(_not_before_the_act),
    Field(
        json_schema_extra={
            "maxLength": len("YYYY-MM-DD"),
            "formatMinimum": EARLIEST_TRAINING.isoformat(),
        }
    ),
]


class TrainingChange(BaseModel):
    """The agent's data-protection training day (null: not recorded), and why."""

    model_config = ConfigDict(extra="forbid")

    training_date: Annotated[
        TrainingDay | None,
        AfterValidator(_not_ahead),
        Field(description="YYYY-MM-DD, not in the future; null to clear."),
    ]
    reason: Reason


class RoleChange(BaseModel):
    """The account's new role, and why."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    reason: Reason


class AccountChange(BaseModel):
    """Why an account is deactivated, reactivated or its password reset."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason


class NewAccount(BaseModel):
    """A named account to create, with its first cameras ('*' alone for all) until one expiry."""

    model_config = ConfigDict(extra="forbid")

    cameras: list[Key] = Field(default_factory=list, max_length=MAX_CAMERAS)
    expires_at: Expiry = None
    username: str = Field(pattern=USER_PATTERN, max_length=64)
    role: Role
    password: str = Field(max_length=MAX_LENGTH, description="Checked by csu's password rule.")
    anonymised_view: bool = False

    @field_validator("cameras")
    @classmethod
    def _one_star(cls, cameras: list[str]) -> list[str]:
        cleaned = list(dict.fromkeys(c.strip() for c in cameras if c.strip()))
        if ALL_CAMERAS in cleaned and len(cleaned) > 1:
            raise InvalidValue(
                "cameras: '*' (all cameras) must be the only entry", key="errors.accounts.all_alone"
            )
        return cleaned

    @field_validator("password")
    @classmethod
    def _password_rule(cls, password: str, info: ValidationInfo) -> str:
        # Checked here, before the creation is logged, with the words identity's own check uses.
        problems = password_terms(password, username=info.data.get("username", ""))
        if problems:
            words = "; ".join(english for english, _ in problems)
            refusal = weak_password("password", problems)
            raise PydanticCustomError(
                "weak_password", "{problems}", {"problems": words, "refusal": refusal}
            )
        return password

    @model_validator(mode="after")
    def _no_video_for_the_officer(self) -> NewAccount:
        # The privacy officer audits access to video and never gets any.
        if self.role is Role.PRIVACY_OFFICER and self.cameras:
            raise InvalidValue(
                "cameras: a privacy officer is granted no camera",
                key="errors.accounts.officer_no_camera",
            )
        return self
