"""Retention changes are logged: each start compares the policy in force with the last logged."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from csu.db import Database
from privacy.access_log import AccessLog, AccessRecord
from privacy.policy import Action


def retention_policy(*, access_log_days: int, cameras: Mapping[str, int]) -> dict[str, Any]:
    """The retention in force, as plain data: access-log days and each camera's footage days."""
    return {"access_log_days": access_log_days, "cameras": dict(sorted(cameras.items()))}


def last_logged_policy(db: Database) -> dict[str, Any] | None:
    """The policy the newest retention entry recorded, if any is left."""
    with db.engine.connect() as conn:
        details = conn.execute(
            sa.text("SELECT details FROM access_log WHERE action = :a ORDER BY seq DESC LIMIT 1"),
            {"a": Action.RETENTION_ADMIN.value},
        ).scalar()
    if details is None:
        return None
    after = json.loads(details).get("after")
    return after if isinstance(after, dict) else None


def log_retention_change(
    db: Database, access_log: AccessLog, policy: dict[str, Any], *, source: str
) -> bool:
    """Write an entry with before and after when the policy differs from the last logged one."""
    before = last_logged_policy(db)
    if before == policy:
        return False
    access_log.append(
        AccessRecord(
            action=Action.RETENTION_ADMIN.value,
            details={"before": before, "after": policy, "source": source},
        )
    )
    return True
