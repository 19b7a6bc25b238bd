"""Accounts, authorisations with expiry, and login tokens against a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from csu.db import Database
from csu.identity import service as identity
from csu.identity.models import AuthToken
from csu.identity.password_rule import WeakPassword
from csu.identity.roles import Role

GOOD = "a-good-passphrase"


def test_password_is_hashed_with_argon2_and_checked(db: Database) -> None:
    """The stored hash is argon2id; the right password authenticates, a wrong one does not."""
    with db.session() as s:
        user = identity.create_user(
            s, username="alice", role=Role.OPERATOR, password="correct horse battery"
        )
        assert user.password_hash.startswith("$argon2id$")
        assert "correct horse battery" not in user.password_hash
    with db.session() as s:
        assert (
            identity.authenticate(s, username="alice", password="correct horse battery") is not None
        )
        assert identity.authenticate(s, username="alice", password="wrong horse battery") is None
        assert identity.authenticate(s, username="nobody", password="correct horse battery") is None


def test_duplicate_and_weak_password_are_refused(db: Database) -> None:
    """Usernames are unique; creating or changing a password applies the password rule."""
    with db.session() as s:
        bob = identity.create_user(s, username="bob", role=Role.ADMIN, password="long enough pass")
    with db.session() as s, pytest.raises(identity.IdentityError, match="already exists"):
        identity.create_user(s, username="bob", role=Role.ADMIN, password="long enough pass")
    with db.session() as s, pytest.raises(WeakPassword, match="at least 12"):
        identity.create_user(s, username="carol", role=Role.ADMIN, password="short")
    with db.session() as s, pytest.raises(WeakPassword, match="most common"):
        identity.set_password(s, user=bob, password="password")
    with db.session() as s, pytest.raises(WeakPassword, match="account's name"):
        identity.create_user(s, username="carol", role=Role.ADMIN, password="carol-is-on-duty")


def test_camera_authorisation_expires(db: Database) -> None:
    """Access holds until the expiry and is refused after it."""
    expiry = datetime(2030, 1, 31, 23, 59, tzinfo=UTC)
    with db.session() as s:
        user = identity.create_user(
            s,
            username="op",
            role=Role.OPERATOR,
            password=GOOD,
            cameras=["cam-a", "cam-b"],
            expires_at=expiry,
        )
    with db.session() as s:
        user = identity.get_user(s, username="op")
        assert user is not None
        before, after = expiry - timedelta(minutes=1), expiry + timedelta(minutes=1)
        assert identity.active_grants(s, user=user, now=before) == {
            "cam-a": expiry,
            "cam-b": expiry,
        }
        assert identity.active_grants(s, user=user, now=after) == {}


def test_wildcard_grant_covers_every_camera(db: Database) -> None:
    """'*' authorises any camera id."""
    with db.session() as s:
        user = identity.create_user(
            s, username="sup", role=Role.SUPERVISOR, password=GOOD, cameras=["*"]
        )
        assert identity.active_grants(s, user=user) == {"*": None}


def test_token_lifecycle(db: Database) -> None:
    """A token maps to its user until it expires or is revoked; only its hash is stored."""
    with db.session() as s:
        user = identity.create_user(s, username="tok", role=Role.CRISIS, password=GOOD)
        token = identity.issue_token(s, user=user, lifetime=timedelta(hours=1))
    with db.session() as s:
        assert s.get(AuthToken, token) is None  # the raw token is not a key
        found = identity.user_for_token(s, token=token)
        assert found is not None and found.username == "tok"
        later = datetime.now(UTC) + timedelta(hours=2)
        assert identity.user_for_token(s, token=token, now=later) is None
        identity.revoke_token(s, token=token)
    with db.session() as s:
        assert identity.user_for_token(s, token=token) is None
        assert identity.user_for_token(s, token="made-up") is None


def test_password_change_ends_sessions(db: Database) -> None:
    """Setting a new password revokes every open token of the user."""
    with db.session() as s:
        user = identity.create_user(s, username="pw", role=Role.OPERATOR, password=GOOD)
        token = identity.issue_token(s, user=user, lifetime=timedelta(hours=1))
    with db.session() as s:
        user = identity.get_user(s, username="pw")
        assert user is not None
        identity.set_password(s, user=user, password="another-passphrase")
    with db.session() as s:
        assert identity.user_for_token(s, token=token) is None
        assert identity.authenticate(s, username="pw", password="another-passphrase") is not None
