"""The demo's accounts: one per role, named like the role, and the simulated hypervisor's.

Each is created by the administration service, so its creation is logged like any other; an
account kept from an earlier start only has its password brought in line with this one's.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from csu.config import SiteConfig
from csu.db import Database
from csu.identity import service as identity
from csu.identity.password_rule import check_password
from csu.identity.roles import ALL_CAMERAS, Role
from privacy.access_log import AccessLog
from privacy.accounts import AccountAdmin, AccountConflict, NewAccount

# Roles that watch video get every demo camera; the privacy officer gets none, by law.
VIDEO_ROLES = {Role.OPERATOR, Role.SUPERVISOR, Role.CRISIS, Role.ADMIN}
# The crisis cell (elected officials, heads of service) sees people anonymised, as a crisis wall.
ANONYMISED_ROLES = {Role.CRISIS}
HYPERVISOR_ACCOUNT = "hypervisor"


def demo_passwords(secrets_file: Path) -> dict[str, str]:
    """Every demo account's password: CSU_DEMO_PASSWORD, else kept from the first start."""
    shared = os.environ.get("CSU_DEMO_PASSWORD")
    if shared:
        return {role.value: shared for role in Role}
    if secrets_file.exists():
        saved: dict[str, str] = json.loads(secrets_file.read_text())
        if set(saved) == {role.value for role in Role}:
            return saved
    generated = {role.value: secrets.token_urlsafe(9) for role in Role}
    secrets_file.parent.mkdir(parents=True, exist_ok=True)
    secrets_file.touch(mode=0o600)
    secrets_file.write_text(json.dumps(generated, indent=2))
    return generated


def ensure_demo_accounts(db: Database, site: SiteConfig, passwords: dict[str, str]) -> str:
    """One account per role with the given passwords (WeakPassword if the rule refuses one) and
    the hypervisor's machine account; returns the machine account's password for this run.

    Every password is checked before any account is touched, also when the accounts exist and
    the password still works: a demo never runs on a password the rule refuses.
    """
    for role in Role:
        check_password(passwords[role.value], username=role.value)
    accounts = AccountAdmin(db, AccessLog(db), {camera.id for camera in site.cameras})
    expires = datetime.now(UTC) + timedelta(days=365)
    for role in Role:
        account = NewAccount(
            username=role.value,
            role=role,
            password=passwords[role.value],
            cameras=[ALL_CAMERAS] if role in VIDEO_ROLES else [],
            expires_at=expires,
            anonymised_view=role in ANONYMISED_ROLES,
        )
        _ensure(accounts, db, account)
    # A machine account: it posts alarms and sees no camera; nobody but this run knows it.
    machine = secrets.token_urlsafe(24)
    _ensure(
        accounts, db, NewAccount(username=HYPERVISOR_ACCOUNT, role=Role.OPERATOR, password=machine)
    )
    return machine


def _ensure(accounts: AccountAdmin, db: Database, account: NewAccount) -> None:
    try:
        accounts.provision(account, via="demo")
    except AccountConflict:
        with db.session() as session:
            kept = identity.get_user(session, username=account.username)
            works = identity.authenticate(
                session, username=account.username, password=account.password
            )
            if kept is not None and works is None:
                identity.set_password(session, user=kept, password=account.password)
