"""Account administration: every change is written to the access log before it takes effect."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping, Set
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from csu.db import Database
from csu.errors import Conflict, Invalid, NotFound, term
from csu.identity import service as identity
from csu.identity.models import CameraGrant, User
from csu.identity.password_rule import password_problems
from csu.identity.roles import ALL_CAMERAS, Role
from privacy.access_log import AccessLog, AccessRecord, Outcome
from privacy.access_log.grants import GRANTS_CHANGED
from privacy.access_log.subscribers import account_created_record
from privacy.account_forms import (
    AccountChange,
    AccountOut,
    GrantChange,
    GrantOut,
    NewAccount,
    PasswordReset,
    RoleChange,
    TrainingChange,
)
from privacy.guard import no_right
from privacy.policy import Action, role_allows
from privacy.training import UntrainedAuthorisation, find_untrained_authorisations

__all__ = [
    "AccountAdmin",
    "AccountChange",
    "AccountOut",
    "GrantChange",
    "NewAccount",
    "TrainingChange",
]

USER_DEACTIVATED = "admin.user_deactivated"
USER_REACTIVATED = "admin.user_reactivated"
ROLE_CHANGED = "admin.role_changed"
PASSWORD_RESET = "admin.password_reset"
TRAINING_RECORDED = "admin.training_recorded"


class UnknownAccount(NotFound, LookupError):
    """No account has that username."""


class AccountConflict(Conflict):
    """The change clashes with the accounts as they are (duplicate, deactivated...)."""


class AccountInvalid(Invalid, ValueError):
    """The change names what cannot be (an unknown camera, cameras for a privacy officer)."""


class AccountAdmin:
    """Creates accounts, sets their camera authorisations and closes them, logging first."""

    def __init__(
        self,
        db: Database,
        access_log: AccessLog,
        cameras: Set[str] | Callable[[], Set[str]] | None,
        *,
        rights_ended: Callable[..., None] = lambda **_: None,
    ) -> None:
        self._db = db
        self._log = access_log
        # The camera ids in force, read at every change where a callable is given (the registry:
        # a camera an administrator added is granted at once, a retired one no more); None where
        # no site file is at hand (`csu user add`): camera ids are taken as given.
        self._cameras = cameras
        # Told (username, reason) when an account's rights end or shrink, so that no cached token
        # and no live stream outlives them.
        self._rights_ended = rights_ended
        # One change at a time, so the check, the log entry and the change stay together.
        self._lock = threading.Lock()

    def accounts(self) -> list[AccountOut]:
        """Every account with its authorisations, by username."""
        with self._db.session() as session:
            return [_out(session, u) for u in identity.list_users(session)]

    def untrained(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[UntrainedAuthorisation]:
        """The authorisations in force over [since, until] (default: now) without training."""
        return find_untrained_authorisations(self._db, since=since, until=until)

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
                raise AccountConflict(
                    f"user '{account.username}' already exists",
                    key="errors.accounts.exists",
                    user=account.username,
                )
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
                granted_by=actor,
            )
            session.flush()
            return _out(session, user)

    def set_grants(
        self, *, actor: User, client: str | None, username: str, change: GrantChange
    ) -> AccountOut:
        """Make the account's authorisations exactly these, each with its own expiry; logged
        with before, after and the reason first."""
        details: dict[str, Any] = {"username": username}
        with self._lock:
            self._authorise(actor, client, GRANTS_CHANGED, details, change.reason)
            with self._db.session() as session:
                user = self._changeable(session, username)
                if Role(user.role) is Role.PRIVACY_OFFICER and change.grants:
                    raise AccountInvalid(
                        "grants: a privacy officer is granted no camera",
                        key="errors.accounts.officer_no_camera",
                    )
                before = _plain_grants(identity.grants_for(session, user=user))
                # A grant held on a retired camera may be kept: its recordings outlive it.
                self._check_cameras(list(change.expiries), held=set(before))
                after = {c: _iso(until) for c, until in change.expiries.items()}
                details |= {"before": before, "after": after}
                self._log.append(
                    self._record(actor, client, GRANTS_CHANGED, details, change.reason)
                )
                identity.replace_grants(
                    session, user=user, grants=change.expiries, granted_by=actor.username
                )
                changed = _out(session, user)
            self._rights_ended(username=username, reason="camera authorisations changed")
            return changed

    def set_role(
        self, *, actor: User, client: str | None, username: str, change: RoleChange
    ) -> AccountOut:
        """Give the account another role and end its sessions; logged with before, after and
        the reason first."""
        details: dict[str, Any] = {"username": username}
        with self._lock:
            self._authorise(actor, client, ROLE_CHANGED, details, change.reason)
            if username == actor.username:
                raise AccountConflict(
                    "you cannot change your own role", key="errors.accounts.own_role"
                )
            with self._db.session() as session:
                user = self._changeable(session, username)
                if user.role == change.role.value:
                    raise AccountConflict(
                        f"user '{username}' is already {change.role.value}",
                        key="errors.accounts.same_role",
                        user=username,
                        role=term(f"accounts.role.{change.role.value}"),
                    )
                if change.role is Role.PRIVACY_OFFICER and identity.grants_for(session, user=user):
                    raise AccountInvalid(
                        "role: a privacy officer is granted no camera; remove"
                        f" '{username}''s camera authorisations first",
                        key="errors.accounts.officer_grants",
                        user=username,
                    )
                details |= {"before": user.role, "after": change.role.value}
                self._log.append(self._record(actor, client, ROLE_CHANGED, details, change.reason))
                identity.set_role(session, user=user, role=change.role)
                changed = _out(session, user)
            self._rights_ended(username=username, reason=f"role changed to {change.role.value}")
            return changed

    def set_training(
        self, *, actor: User, client: str | None, username: str, change: TrainingChange
    ) -> AccountOut:
        """Record the agent's data-protection training day (or clear it); logged with before,
        after and the reason first."""
        details: dict[str, Any] = {"username": username}
        with self._lock:
            self._authorise(actor, client, TRAINING_RECORDED, details, change.reason)
            with self._db.session() as session:
                # A closed account's training stays a fact worth recording.
                user = self._existing(session, username)
                day = change.training_date
                details |= {"before": _day(user.training_date), "after": _day(day)}
                self._log.append(
                    self._record(actor, client, TRAINING_RECORDED, details, change.reason)
                )
                identity.set_training_date(session, user=user, day=day)
                return _out(session, user)

    def reset_password(
        self, *, actor: User, client: str | None, username: str, change: AccountChange
    ) -> PasswordReset:
        """Give the account a one-time password, to be replaced at its next sign-in, and end its
        sessions; logged (never the password) first."""
        details = {"username": username}
        with self._lock:
            self._authorise(actor, client, PASSWORD_RESET, details, change.reason)
            if username == actor.username:
                raise AccountConflict(
                    "you cannot reset your own password: change it with your current one",
                    key="errors.accounts.own_reset",
                )
            with self._db.session() as session:
                user = self._changeable(session, username)
                self._log.append(
                    self._record(actor, client, PASSWORD_RESET, details, change.reason)
                )
                temporary = _temporary_password(username)
                identity.reset_password(session, user=user, temporary=temporary)
                reset = PasswordReset(account=_out(session, user), temporary_password=temporary)
            self._rights_ended(username=username, reason="password reset by an administrator")
            return reset

    def deactivate(
        self, *, actor: User, client: str | None, username: str, change: AccountChange
    ) -> AccountOut:
        """Close the account and end its sessions; logged with the reason first."""
        details = {"username": username}
        with self._lock:
            self._authorise(actor, client, USER_DEACTIVATED, details, change.reason)
            if username == actor.username:
                raise AccountConflict(
                    "you cannot deactivate your own account", key="errors.accounts.own_deactivation"
                )
            with self._db.session() as session:
                user = self._changeable(session, username)
                self._log.append(
                    self._record(actor, client, USER_DEACTIVATED, details, change.reason)
                )
                identity.deactivate_user(session, user=user)
                closed = _out(session, user)
            self._rights_ended(username=username, reason="account deactivated")
            return closed

    def reactivate(
        self, *, actor: User, client: str | None, username: str, change: AccountChange
    ) -> AccountOut:
        """Open a deactivated account again, its authorisations as they were left; logged with
        the reason first."""
        details = {"username": username}
        with self._lock:
            self._authorise(actor, client, USER_REACTIVATED, details, change.reason)
            with self._db.session() as session:
                user = self._existing(session, username)
                if user.active:
                    raise AccountConflict(
                        f"user '{username}' is active", key="errors.accounts.active", user=username
                    )
                self._log.append(
                    self._record(actor, client, USER_REACTIVATED, details, change.reason)
                )
                identity.reactivate_user(session, user=user)
                return _out(session, user)

    @staticmethod
    def _existing(session: Session, username: str) -> User:
        user = identity.get_user(session, username=username)
        if user is None:
            raise UnknownAccount(
                f"no user '{username}'", key="errors.accounts.unknown", user=username
            )
        return user

    def _changeable(self, session: Session, username: str) -> User:
        user = self._existing(session, username)
        if not user.active:
            raise AccountConflict(
                f"user '{username}' is deactivated",
                key="errors.accounts.deactivated",
                user=username,
            )
        return user

    def _check_cameras(self, cameras: list[str], *, held: Set[str] = frozenset()) -> None:
        if self._cameras is None:
            return
        known = self._cameras() if callable(self._cameras) else self._cameras
        unknown = [c for c in cameras if c != ALL_CAMERAS and c not in known and c not in held]
        if unknown:
            raise AccountInvalid(
                f"cameras: unknown camera {', '.join(repr(c) for c in unknown)}",
                key="errors.accounts.unknown_cameras",
                cameras=unknown,
            )

    def _authorise(
        self,
        actor: User,
        client: str | None,
        action: str,
        details: dict[str, Any],
        reason: str | None = None,
    ) -> None:
        if actor.active and role_allows(Role(actor.role), Action.USER_ADMIN):
            return
        self._log.append(self._record(actor, client, action, details, reason, Outcome.DENIED))
        raise no_right(Action.USER_ADMIN)

    @staticmethod
    def _record(
        actor: User,
        client: str | None,
        action: str,
        details: dict[str, Any],
        reason: str | None = None,
        outcome: Outcome = Outcome.GRANTED,
    ) -> AccessRecord:
        return AccessRecord(
            action=action,
            user=actor.username,
            role=actor.role,
            client=client,
            reason=reason,
            outcome=outcome,
            details={**details, "source": "administration"},
        )


def _temporary_password(username: str) -> str:
    # 16 random characters; drawn again in the (rare) case the rule refuses one.
    while True:
        password = secrets.token_urlsafe(12)
        if not password_problems(password, username=username):
            return password


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


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
        must_change_password=user.must_change_password,
        created_at=user.created_at,
        training_date=user.training_date,
        grants=[
            GrantOut(
                camera_id=g.camera_id,
                expires_at=g.expires_at,
                expired=g.expires_at is not None and g.expires_at <= now,
                granted_by=g.granted_by,
                granted_at=g.created_at,
            )
            for g in grants
        ],
    )
