"""Housekeeping jobs for identity."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from csu.db import Database
from csu.identity.models import AuthToken, utcnow


def purge_expired_tokens(db: Database) -> int:
    """Delete login sessions that have expired; returns how many."""
    with db.session() as session:
        result = session.execute(sa.delete(AuthToken).where(col(AuthToken.expires_at) < utcnow()))
        return int(getattr(result, "rowcount", 0) or 0)
