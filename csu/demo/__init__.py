"""The built-in demo: a site for a few streets of a city, and one account per role."""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from csu.config import SiteConfig, parse_site
from csu.db import Database
from csu.identity import service as identity
from csu.identity.password_rule import check_password
from csu.identity.roles import ALL_CAMERAS, Role

SITE_FILE = Path(__file__).resolve().parent / "site.yaml"
# Roles that watch video get every demo camera; the privacy officer gets none, by law.
VIDEO_ROLES = {Role.OPERATOR, Role.SUPERVISOR, Role.CRISIS, Role.ADMIN}
# The crisis cell (elected officials, heads of service) sees people anonymised, as a crisis wall.
ANONYMISED_ROLES = {Role.CRISIS}


def demo_site() -> SiteConfig:
    """The built-in demo site."""
    return parse_site(SITE_FILE.read_text(), source=str(SITE_FILE))


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


def ensure_demo_accounts(db: Database, passwords: dict[str, str]) -> None:
    """One account per role, named like the role, with the given passwords (WeakPassword if not).

    Every password is checked before any account is touched, also when the accounts exist and
    the password still works: a demo never runs on a password the rule refuses.
    """
    for role in Role:
        check_password(passwords[role.value], username=role.value)
    expires = datetime.now(UTC) + timedelta(days=365)
    with db.session() as session:
        for role in Role:
            user = identity.get_user(session, username=role.value)
            password = passwords[role.value]
            if user is None:
                cameras = [ALL_CAMERAS] if role in VIDEO_ROLES else []
                identity.create_user(
                    session,
                    username=role.value,
                    role=role,
                    password=password,
                    cameras=cameras,
                    expires_at=expires,
                    anonymised_view=role in ANONYMISED_ROLES,
                )
                continue
            if user.anonymised_view != (role in ANONYMISED_ROLES):
                user.anonymised_view = role in ANONYMISED_ROLES
                session.add(user)
            if not identity.authenticate(session, username=role.value, password=password):
                identity.set_password(session, user=user, password=password)


HYPERVISOR_ACCOUNT = "hypervisor"


def hypervisor_token(db: Database) -> str:
    """A day's bearer token for the simulated hypervisor's machine account (created if absent)."""
    with db.session() as session:
        user = identity.get_user(session, username=HYPERVISOR_ACCOUNT)
        if user is None:
            # A machine account: it posts alarms, sees no camera, and nobody logs in with it.
            user = identity.create_user(
                session,
                username=HYPERVISOR_ACCOUNT,
                role=Role.OPERATOR,
                password=secrets.token_urlsafe(24),
            )
        return identity.issue_token(session, user=user, lifetime=timedelta(days=1))
