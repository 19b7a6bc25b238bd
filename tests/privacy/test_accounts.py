"""Account administration's changes: a role, a reset password, a reactivation, one expiry per
grant; each logged with the administrator and the reason before it applies, and each that takes
rights away ends the sessions and streams that depended on them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from csu.db import Database
from csu.identity import service as identity
from csu.identity.models import User
from csu.identity.roles import Role
from privacy.access_log import AccessLog
from privacy.account_forms import AccountChange, GrantChange, RoleChange
from privacy.accounts import AccountAdmin, AccountConflict, AccountInvalid, UnknownAccount
from privacy.guard import AccessDenied

PASSWORD = "a long enough passphrase 7"
CAMERAS = {"cam-a", "cam-b", "cam-c"}
WHY = "ticket 4711"


class Admin:
    """An AccountAdmin on a database with an admin, an operator and a supervisor."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.log = AccessLog(db)
        self.ended: list[tuple[str, str]] = []
        self.accounts = AccountAdmin(
            db, self.log, CAMERAS, rights_ended=lambda **kw: self.ended.append(tuple(kw.values()))
        )
        with db.session() as s:
            for name, role in (
                ("boss", Role.ADMIN),
                ("op", Role.OPERATOR),
                ("sup", Role.SUPERVISOR),
            ):
                identity.create_user(s, username=name, role=role, password=PASSWORD, cameras=["*"])

    def user(self, name: str) -> User:
        with self.db.session() as s:
            found = identity.get_user(s, username=name)
            assert found is not None
            s.expunge(found)
            return found

    def entries(self, action: str) -> list[dict[str, Any]]:
        return [
            {**e.model_dump(), "details": json.loads(e.details)}
            for e in self.log.entries()
            if e.action == action
        ]

    def session_of(self, name: str) -> str:
        with self.db.session() as s:
            user = identity.get_user(s, username=name)
            assert user is not None
            return identity.issue_token(s, user=user, lifetime=timedelta(hours=1))

    def holder(self, token: str) -> tuple[User | None, str | None]:
        with self.db.session() as s:
            return identity.token_holder(s, token_hash=identity.token_digest(token))


@pytest.fixture
def admin(db: Database) -> Admin:
    return Admin(db)


def test_a_role_change_is_logged_first_and_ends_the_sessions(admin: Admin) -> None:
    token = admin.session_of("op")
    boss = admin.user("boss")
    changed = admin.accounts.set_role(
        actor=boss, client="192.0.2.1", username="op", change=RoleChange(role="crisis", reason=WHY)
    )
    assert changed.role is Role.CRISIS
    (entry,) = admin.entries("admin.role_changed")
    assert entry["user"] == "boss" and entry["reason"] == WHY and entry["client"] == "192.0.2.1"
    assert entry["details"] == {
        "username": "op",
        "before": "operator",
        "after": "crisis",
        "source": "administration",
    }
    assert admin.holder(token) == (None, "role changed to crisis")
    assert admin.ended == [("op", "role changed to crisis")]


def test_role_changes_that_cannot_be(admin: Admin) -> None:
    boss = admin.user("boss")

    def change(name: str, role: str) -> None:
        admin.accounts.set_role(
            actor=boss, client=None, username=name, change=RoleChange(role=role, reason=WHY)
        )

    with pytest.raises(AccountConflict, match="your own role"):
        change("boss", "operator")
    with pytest.raises(AccountConflict, match="already operator"):
        change("op", "operator")
    with pytest.raises(AccountInvalid, match="remove 'op''s camera authorisations first"):
        change("op", "privacy_officer")
    with pytest.raises(UnknownAccount, match="no user 'nobody'"):
        change("nobody", "crisis")
    with pytest.raises(AccessDenied, match="no user-administration right"):
        admin.accounts.set_role(
            actor=admin.user("sup"),
            client=None,
            username="op",
            change=RoleChange(role="admin", reason=WHY),
        )
    assert [e["outcome"] for e in admin.entries("admin.role_changed")] == ["denied"]
    assert admin.user("op").role == "operator" and admin.ended == []
    with pytest.raises(ValidationError, match="a reason is required"):
        RoleChange(role="crisis", reason="   ")


def test_a_reset_password_opens_no_session_until_a_new_one_is_set(admin: Admin) -> None:
    token = admin.session_of("op")
    reset = admin.accounts.reset_password(
        actor=admin.user("boss"), client=None, username="op", change=AccountChange(reason=WHY)
    )
    temporary = reset.temporary_password
    assert len(temporary) >= 12 and reset.account.must_change_password
    (entry,) = admin.entries("admin.password_reset")
    assert entry["reason"] == WHY and entry["details"]["username"] == "op"
    assert temporary not in json.dumps(entry, default=str)
    assert admin.holder(token) == (None, "password reset by an administrator")
    assert admin.ended == [("op", "password reset by an administrator")]
    with admin.db.session() as s:
        assert identity.authenticate(s, username="op", password=PASSWORD) is None
        user = identity.authenticate(s, username="op", password=temporary)
        assert user is not None and user.must_change_password
    # A session that raced the reset opens nothing either.
    raced = admin.session_of("op")
    assert admin.holder(raced) == (None, "password change required")
    with admin.db.session() as s:
        user = identity.get_user(s, username="op")
        assert user is not None
        identity.set_password(s, user=user, password="my own new passphrase")
    assert not admin.user("op").must_change_password
    fresh = admin.session_of("op")
    assert admin.holder(fresh)[0] is not None


def test_nobody_resets_their_own_password(admin: Admin) -> None:
    with pytest.raises(AccountConflict, match="change it with your current one"):
        admin.accounts.reset_password(
            actor=admin.user("boss"), client=None, username="boss", change=AccountChange(reason=WHY)
        )


def test_deactivation_and_reactivation_are_logged_with_their_reasons(admin: Admin) -> None:
    boss = admin.user("boss")
    closed = admin.accounts.deactivate(
        actor=boss, client=None, username="op", change=AccountChange(reason="left the service")
    )
    assert closed.active is False
    with pytest.raises(AccountConflict, match="'op' is deactivated"):
        admin.accounts.set_role(
            actor=boss, client=None, username="op", change=RoleChange(role="crisis", reason=WHY)
        )
    opened = admin.accounts.reactivate(
        actor=boss, client=None, username="op", change=AccountChange(reason="back from leave")
    )
    assert opened.active is True and [g.camera_id for g in opened.grants] == ["*"]
    with pytest.raises(AccountConflict, match="'op' is active"):
        admin.accounts.reactivate(
            actor=boss, client=None, username="op", change=AccountChange(reason=WHY)
        )
    assert [e["reason"] for e in admin.entries("admin.user_deactivated")] == ["left the service"]
    assert [e["reason"] for e in admin.entries("admin.user_reactivated")] == ["back from leave"]
    with admin.db.session() as s:
        assert identity.authenticate(s, username="op", password=PASSWORD) is not None


def test_each_grant_keeps_its_own_expiry(admin: Admin) -> None:
    """Changing one grant's expiry leaves the others' as they were (they used to share one)."""
    boss = admin.user("boss")
    soon = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    later = (datetime.now(UTC) + timedelta(days=40)).replace(microsecond=0)

    def grants(**expiries: datetime | None) -> dict[str, datetime | None]:
        change = GrantChange.model_validate(
            {
                "grants": [
                    {"camera_id": c.replace("_", "-"), "expires_at": e} for c, e in expiries.items()
                ],
                "reason": WHY,
            }
        )
        out = admin.accounts.set_grants(actor=boss, client=None, username="op", change=change)
        return {g.camera_id: g.expires_at for g in out.grants}

    assert grants(cam_a=soon, cam_b=later, cam_c=None) == {
        "cam-a": soon,
        "cam-b": later,
        "cam-c": None,
    }
    assert grants(cam_a=later, cam_b=later, cam_c=None)["cam-b"] == later
    with admin.db.session() as s:
        user = identity.get_user(s, username="op")
        assert user is not None
        active = identity.active_grants(s, user=user, now=soon + timedelta(days=1))
    assert active == {"cam-a": later, "cam-b": later, "cam-c": None}
    first, second = admin.entries("admin.grants_changed")
    assert first["details"]["after"] == {
        "cam-a": soon.isoformat(),
        "cam-b": later.isoformat(),
        "cam-c": None,
    }
    assert second["details"]["before"] == first["details"]["after"]
    assert second["reason"] == WHY


def test_grant_changes_that_cannot_be() -> None:
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    one = {"reason": WHY}
    cases: list[tuple[dict[str, Any], str]] = [
        ({**one, "grants": [{"camera_id": "cam-a", "expires_at": past}]}, "is in the past"),
        ({**one, "grants": [{"camera_id": "cam-a"}, {"camera_id": "cam-a"}]}, "'cam-a' listed"),
        ({**one, "grants": [{"camera_id": "*"}, {"camera_id": "cam-a"}]}, "must be the only"),
        ({**one, "cameras": ["cam-a"], "grants": []}, "cameras"),
        ({"grants": [], "reason": " "}, "a reason is required"),
        ({"grants": []}, "reason"),
    ]
    for body, message in cases:
        with pytest.raises(ValidationError, match=message):
            GrantChange.model_validate(body)
