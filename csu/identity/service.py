"""Accounts, camera authorisations and login tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from csu.errors import Invalid
from csu.identity.models import AuthToken, CameraGrant, User, utcnow
from csu.identity.password_rule import check_password
from csu.identity.passwords import hash_password, needs_rehash, verify_password
from csu.identity.preferences import Preferences as Preferences  # each account's choices
from csu.identity.preferences import PreferencesChange as PreferencesChange
from csu.identity.preferences import change_preferences as change_preferences
from csu.identity.preferences import preferences_of as preferences_of
from csu.identity.preferences import save_preferences as save_preferences
from csu.identity.roles import Role


class IdentityError(Invalid, ValueError):
    """A request about accounts that cannot be honoured; the message says why."""


def get_user(session: Session, *, username: str) -> User | None:
    """The account with that username, if any."""
    return session.exec(select(User).where(User.username == username)).first()


def list_users(session: Session) -> list[User]:
    """Every account, by username."""
    return list(session.exec(select(User).order_by(col(User.username))))


def create_user(
    session: Session,
    *,
    username: str,
    role: Role,
    password: str,
    cameras: Iterable[str] = (),
    expires_at: datetime | None = None,
    anonymised_view: bool = False,
    granted_by: str | None = None,
) -> User:
    """Create a named account with its camera authorisations, granted by `granted_by`
    (WeakPassword if the rule refuses)."""
    if get_user(session, username=username) is not None:
        raise IdentityError(
            f"user '{username}' already exists", key="errors.accounts.exists", user=username
        )
    check_password(password, username=username)
    user = User(
        username=username,
        role=role.value,
        password_hash=hash_password(password),
        anonymised_view=anonymised_view,
    )
    session.add(user)
    session.flush()
    grant_cameras(session, user=user, cameras=cameras, expires_at=expires_at, granted_by=granted_by)
    return user


def set_password(
    session: Session, *, user: User, password: str, why: str = "password changed"
) -> None:
    """Replace the account's password and end its open sessions (WeakPassword if refused)."""
    check_password(password, username=user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    session.add(user)
    revoke_user_tokens(session, user=user, why=why)


def reset_password(session: Session, *, user: User, temporary: str) -> None:
    """Give the account a one-time password to be replaced at its next sign-in; end its sessions."""
    check_password(temporary, username=user.username)
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    session.add(user)
    revoke_user_tokens(session, user=user, why="password reset by an administrator")


def set_role(session: Session, *, user: User, role: Role) -> None:
    """Give the account another role; its sessions end (each was opened for the old one)."""
    user.role = role.value
    session.add(user)
    revoke_user_tokens(session, user=user, why=f"role changed to {role.value}")


def grant_cameras(
    session: Session,
    *,
    user: User,
    cameras: Iterable[str],
    expires_at: datetime | None,
    granted_by: str | None = None,
) -> list[CameraGrant]:
    """Authorise the user for these cameras ('*' for all) until expires_at; updates existing.
    A new grant, or one whose expiry changes, is granted now by `granted_by`."""
    assert user.id is not None
    existing = {g.camera_id: g for g in grants_for(session, user=user)}
    # SQLite keeps wall-clock digits and drops the offset, so store UTC only.
    until = expires_at.astimezone(UTC) if expires_at else None
    result = []
    for camera_id in dict.fromkeys(cameras):
        grant = existing.get(camera_id)
        if grant is None or grant.expires_at != until:
            # A changed expiry is a new decision: its author and time replace the old ones.
            grant = grant or CameraGrant(user_id=user.id, camera_id=camera_id)
            grant.expires_at = until
            grant.granted_by = granted_by
            grant.created_at = utcnow()
            session.add(grant)
        result.append(grant)
    session.flush()
    return result


def replace_grants(
    session: Session,
    *,
    user: User,
    grants: dict[str, datetime | None],
    granted_by: str | None = None,
) -> list[CameraGrant]:
    """Make the user's authorisations exactly these (camera id -> expiry or None); those added
    or changed are granted by `granted_by`, the others keep who granted them."""
    for grant in grants_for(session, user=user):
        if grant.camera_id not in grants:
            session.delete(grant)
    session.flush()
    result = []
    for camera_id, expires_at in grants.items():
        result += grant_cameras(
            session, user=user, cameras=[camera_id], expires_at=expires_at, granted_by=granted_by
        )
    return result


def set_training_date(session: Session, *, user: User, day: date | None) -> None:
    """Record the day the agent followed data-protection training (None: not known)."""
    user.training_date = day
    session.add(user)


def deactivate_user(session: Session, *, user: User) -> None:
    """Close the account (it stays, for the log's sake) and end its sessions."""
    user.active = False
    session.add(user)
    revoke_user_tokens(session, user=user, why="account deactivated")


def reactivate_user(session: Session, *, user: User) -> None:
    """Open a deactivated account again (its authorisations are as they were left)."""
    user.active = True
    session.add(user)


def grants_for(session: Session, *, user: User) -> list[CameraGrant]:
    """Every camera authorisation of the user, expired ones included."""
    return list(session.exec(select(CameraGrant).where(CameraGrant.user_id == user.id)))


def active_grants(
    session: Session, *, user: User, now: datetime | None = None
) -> dict[str, datetime | None]:
    """The user's unexpired authorisations: camera id ('*' for all) -> expiry (aware) or None."""
    moment = now or utcnow()
    grants = {g.camera_id: g.expires_at for g in grants_for(session, user=user)}
    return {c: until for c, until in grants.items() if until is None or until > moment}


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """The active user whose password matches, else None (same cost either way)."""
    user = get_user(session, username=username)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    return user


def issue_token(session: Session, *, user: User, lifetime: timedelta) -> str:
    """A new bearer token for the user; only its hash is stored."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthToken(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def user_for_token(session: Session, *, token: str, now: datetime | None = None) -> User | None:
    """The active user behind an unexpired, unrevoked token."""
    user, _why = token_holder(session, token_hash=token_digest(token), now=now)
    return user


def token_holder(
    session: Session, *, token_hash: str, now: datetime | None = None
) -> tuple[User | None, str | None]:
    """The active user behind a login session, or None and why the session is over."""
    row = session.get(AuthToken, token_hash)
    if row is None:
        return None, "unknown session"
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None, "account deactivated"
    if row.revoked_at is not None:
        return None, row.revoked_reason or "logged out"
    if row.expires_at <= (now or utcnow()):
        return None, "session expired"
    if user.must_change_password:  # a session that raced a reset opens nothing either
        return None, "password change required"
    return user, None


def revoke_token(session: Session, *, token: str) -> None:
    """End one login session."""
    row = session.get(AuthToken, token_digest(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_reason = "logged out"
        session.add(row)


def revoke_user_tokens(session: Session, *, user: User, why: str) -> None:
    """End every open session of the user, saying why (to what each session held)."""
    session.execute(
        sa.update(AuthToken)
        .where(col(AuthToken.user_id) == user.id, col(AuthToken.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoked_reason=why[:64])
    )


def token_digest(token: str) -> str:
    """What is stored of a bearer token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()
