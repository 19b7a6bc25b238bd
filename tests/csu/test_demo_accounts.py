"""The demo's accounts: made by the administration service (logged), kept across starts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from csu.db import Database
from csu.demo import demo_site
from csu.demo.accounts import HYPERVISOR_ACCOUNT, ensure_demo_accounts
from csu.identity import service as identity
from csu.identity.password_rule import WeakPassword
from csu.identity.roles import ALL_CAMERAS, Role
from privacy.access_log import AccessLog

PASSWORD = "quiet harbour lantern"


def passwords(password: str = PASSWORD) -> dict[str, str]:
    """The same password for every demo account, as CSU_DEMO_PASSWORD gives it."""
    return {role.value: password for role in Role}


def creations(db: Database) -> dict[str, dict[str, Any]]:
    """The details of every account creation in the access log, by username."""
    entries = [e for e in AccessLog(db).entries() if e.action == "admin.user_created"]
    assert all(e.user is None for e in entries), "the demo acts for nobody's csu account"
    return {d["username"]: d for d in (json.loads(e.details) for e in entries)}


def signs_in(db: Database, username: str, password: str) -> bool:
    """Whether the password opens the account."""
    with db.session() as session:
        return identity.authenticate(session, username=username, password=password) is not None


def test_each_role_and_the_hypervisor_get_an_account_whose_creation_is_logged(
    db: Database,
) -> None:
    machine = ensure_demo_accounts(db, demo_site(), passwords())
    logged = creations(db)
    assert set(logged) == {role.value for role in Role} | {HYPERVISOR_ACCOUNT}
    assert {d["via"] for d in logged.values()} == {"demo"}
    assert logged["operator"]["cameras"] == [ALL_CAMERAS]
    assert logged["privacy_officer"]["cameras"] == []  # audits access to video, never sees any
    assert logged["crisis"]["anonymised_view"] is True
    assert logged[HYPERVISOR_ACCOUNT]["role"] == Role.OPERATOR.value
    assert logged[HYPERVISOR_ACCOUNT]["cameras"] == []
    assert all(signs_in(db, role.value, PASSWORD) for role in Role)
    assert signs_in(db, HYPERVISOR_ACCOUNT, machine)


def test_a_later_start_keeps_the_accounts_and_follows_the_new_passwords(db: Database) -> None:
    first = ensure_demo_accounts(db, demo_site(), passwords())
    before = len(list(AccessLog(db).entries()))
    second = ensure_demo_accounts(db, demo_site(), passwords("night watch over the river"))
    assert len(list(AccessLog(db).entries())) == before, "no account is created twice"
    assert signs_in(db, "admin", "night watch over the river")
    assert not signs_in(db, "admin", PASSWORD)
    assert signs_in(db, HYPERVISOR_ACCOUNT, second) and not signs_in(db, HYPERVISOR_ACCOUNT, first)


def test_a_weak_demo_password_touches_nothing(db: Database) -> None:
    with pytest.raises(WeakPassword, match="at least 12 characters"):
        ensure_demo_accounts(db, demo_site(), passwords("change-me"))
    assert creations(db) == {}
    with db.session() as session:
        assert identity.list_users(session) == []
