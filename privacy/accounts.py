"""Account administration: every change is written to the access log before it takes effect."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Set
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlmodel import Session

from csu.bounds import Key
from csu.config.authorisations import USER_PATTERN
from csu.db import Database
from csu.errors import Conflict, Invalid, NotFound
from csu.identity import service as identity
from csu.identity.models import CameraGrant, User
from csu.identity.password_rule import MAX_LENGTH, password_problems
from csu.identity.roles import ALL_CAMERAS, Role
from csu.times import ApiTime
from privacy.access_log import AccessLog, AccessRecord, Outcome
from privacy.access_log.grants import GRANTS_CHANGED
from privacy.access_log.subscribers import account_created_record
from privacy.guard import AccessDenied
from privacy.policy import RIGHT_NAMES, Action, role_allows

USER_DEACTIVATED = "admin.user_deactivated"
MAX_CAMERAS = 500


class UnknownAccount(NotFound, LookupError):
    """No account has that username."""


class AccountConflict(Conflict):
    """The change clashes with the accounts as they are (duplicate, deactivated...)."""


class AccountInvalid(Invalid, ValueError):
    """The change names what cannot be (an unknown camera, cameras for a privacy officer)."""


class GrantOut(BaseModel):
    """One camera authorisation as administration shows it."""

    camera_id: str
    expires_at: datetime | None
    expired: bool


class AccountOut(BaseModel):
    """An account and its authorisations (never its password hash)."""

    username: str
    role: Role
    active: bool
    anonymised_view: bool
    created_at: datetime
    grants: list[GrantOut]


class GrantChange(BaseModel):
    """The cameras an account may see ('*' alone for all) until an optional expiry."""

    model_config = ConfigDict(extra="forbid")

    cameras: list[Key] = Field(default_factory=list, max_length=MAX_CAMERAS)
    expires_at: ApiTime | None = Field(default=None, description="With a UTC offset.")

    @field_validator("cameras")
    @classmethod
    def _one_star(cls, cameras: list[str]) -> list[str]:
        cleaned = list(dict.fromkeys(c.strip() for c in cameras if c.strip()))
        if ALL_CAMERAS in cleaned and len(cleaned) > 1:
            raise ValueError("cameras: '*' (all cameras) must be the only entry")
        return cleaned

    @field_validator("expires_at")
    @classmethod
    def _future(cls, moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        if moment <= datetime.now(UTC):  # ApiTime: aware, within bounds
            raise ValueError(f"expires_at: {moment.isoformat()} is in the past")
        return moment.astimezone(UTC)


class NewAccount(GrantChange):
    """A named account to create, with its first authorisations."""

    username: str = Field(pattern=USER_PATTERN, max_length=64)
    role: Role
    password: str = Field(max_length=MAX_LENGTH, description="Checked by csu's password rule.")
    anonymised_view: bool = False

    @field_validator("password")
    @classmethod
    def _password_rule(cls, password: str, info: ValidationInfo) -> str:
        # Checked here, before the creation is logged, with the words identity's own check uses.
        problems = password_problems(password, username=info.data.get("username", ""))
        if problems:
            words = "; ".join(problems)
            raise PydanticCustomError("weak_password", "{problems}", {"problems": words})
        return password

    @model_validator(mode="after")
    def _no_video_for_the_officer(self) -> NewAccount:
        # The privacy officer audits access to video and never gets any.
        if self.role is Role.PRIVACY_OFFICER and self.cameras:
            raise ValueError("cameras: a privacy officer is granted no camera")
        return self


class AccountAdmin:
    """Creates accounts, sets their camera authorisations and closes them, logging first."""

    def __init__(
        self,
        db: Database,
        access_log: AccessLog,
        cameras: Set[str] | None,
        *,
        rights_ended: Callable[..., None] = lambda **_: None,
    ) -> None:
        self._db = db
        self._log = access_log
        # None where no site file is at hand (`csu user add`): camera ids are taken as given.
        self._cameras = None if cameras is None else frozenset(cameras)
        # Told (username, reason) when an account's rights end or shrink, so that no cached token
        # and no live stream outlives them.
        self._rights_ended = rights_ended
        # One change at a time, so the check, the log entry and the change stay together.
        self._lock = threading.Lock()

    def accounts(self) -> list[AccountOut]:
        """Every account with its authorisations, by username."""
        with self._db.session() as session:
            return [_out(session, u) for u in identity.list_users(session)]

    def create(self, *, actor: User, client: str | None, account: NewAccount) -> AccountOut:
        """Create the account; the creation is logged before the account exists."""
        details = {"username": account.username, "role": account.role.value}
        with self._lock:
            self._authorise(actor, client, "admin.user_created", details)
            via = {"via": "administration", "client": client}
            return self._create(account, actor.username, via)

    def provision(
        self, account: NewAccount, *, via: str, context: Mapping[str, str] | None = None
    ) -> AccountOut:
        """Create an account on the authority of whoever runs csu on this machine (the demo, the
        command line), with no csu account behind it; logged, as `via`, before it exists."""
        with self._lock:
            return self._create(account, None, {"via": via, **(context or {})})

    def _create(self, account: NewAccount, actor: str | None, extra: dict[str, Any]) -> AccountOut:
        self._check_cameras(account.cameras)
        with self._db.session() as session:
            if identity.get_user(session, username=account.username) is not None:
                raise AccountConflict(f"user '{account.username}' already exists")
        self._log.append(
            account_created_record(
                username=account.username,
                role=account.role.value,
                cameras=account.cameras,
                expires_at=_iso(account.expires_at),
                actor=actor,
                extra={**extra, "anonymised_view": account.anonymised_view},
            )
        )
        with self._db.session() as session:
            user = identity.create_user(
                session,
                username=account.username,
                role=account.role,
                password=account.password,
                cameras=account.cameras,
                expires_at=account.expires_at,
                anonymised_view=account.anonymised_view,
            )
            session.flush()
            return _out(session, user)

    def set_grants(
        self, *, actor: User, client: str | None, username: str, change: GrantChange
    ) -> AccountOut:
        """Replace the account's authorisations; logged with before and after first."""
        with self._lock:
            self._authorise(actor, client, GRANTS_CHANGED, {"username": username})
            self._check_cameras(change.cameras)
            with self._db.session() as session:
                user = self._changeable(session, username)
                if Role(user.role) is Role.PRIVACY_OFFICER and change.cameras:
                    raise AccountInvalid("cameras: a privacy officer is granted no camera")
                before = _plain_grants(identity.grants_for(session, user=user))
                after = {c: _iso(change.expires_at) for c in change.cameras}
                self._log.append(
                    self._record(
                        actor,
                        client,
                        GRANTS_CHANGED,
                        {"username": username, "before": before, "after": after},
                    )
                )
                grants = {c: change.expires_at for c in change.cameras}
                identity.replace_grants(session, user=user, grants=grants)
                changed = _out(session, user)
            self._rights_ended(username=username, reason="camera authorisations changed")
            return changed

    def deactivate(self, *, actor: User, client: str | None, username: str) -> AccountOut:
        """Close the account and end its sessions; logged first."""
        with self._lock:
            self._authorise(actor, client, USER_DEACTIVATED, {"username": username})
            if username == actor.username:
                raise AccountConflict("you cannot deactivate your own account")
            with self._db.session() as session:
                user = self._changeable(session, username)
                self._log.append(
                    self._record(actor, client, USER_DEACTIVATED, {"username": username})
                )
                identity.deactivate_user(session, user=user)
                closed = _out(session, user)
            self._rights_ended(username=username, reason="account deactivated")
            return closed

    def _changeable(self, session: Session, username: str) -> User:
        user = identity.get_user(session, username=username)
        if user is None:
            raise UnknownAccount(f"no user '{username}'")
        if not user.active:
            raise AccountConflict(f"user '{username}' is deactivated")
        return user

    def _check_cameras(self, cameras: list[str]) -> None:
        if self._cameras is None:
            return
        unknown = [c for c in cameras if c != ALL_CAMERAS and c not in self._cameras]
        if unknown:
            raise AccountInvalid(f"cameras: unknown camera {', '.join(repr(c) for c in unknown)}")

    def _authorise(
        self, actor: User, client: str | None, action: str, details: dict[str, Any]
    ) -> None:
        if actor.active and role_allows(Role(actor.role), Action.USER_ADMIN):
            return
        self._log.append(self._record(actor, client, action, details, Outcome.DENIED))
        raise AccessDenied(f"no {RIGHT_NAMES[Action.USER_ADMIN]} right")

    @staticmethod
    def _record(
        actor: User,
        client: str | None,
        action: str,
        details: dict[str, Any],
        outcome: Outcome = Outcome.GRANTED,
    ) -> AccessRecord:
        return AccessRecord(
            action=action,
            user=actor.username,
            role=actor.role,
            client=client,
            outcome=outcome,
            details={**details, "source": "administration"},
        )


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _plain_grants(grants: list[CameraGrant]) -> dict[str, str | None]:
    return {g.camera_id: _iso(g.expires_at) for g in grants}


def _out(session: Session, user: User) -> AccountOut:
    now = datetime.now(UTC)
    grants = sorted(identity.grants_for(session, user=user), key=lambda g: g.camera_id)
    return AccountOut(
        username=user.username,
        role=Role(user.role),
        active=user.active,
        anonymised_view=user.anonymised_view,
        created_at=user.created_at,
        grants=[
            GrantOut(
                camera_id=g.camera_id,
                expires_at=g.expires_at,
                expired=g.expires_at is not None and g.expires_at <= now,
            )
            for g in grants
        ],
    )
